/**
 * Builds an agent from `atp agents add` flags and/or an agent YAML file (flags win),
 * validated with the config's own schema so mistakes name the flag before any request.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { LocalAgent } from '../../../reflector/index.ts'
import { zodIssues } from '../../../daemon/config/load.ts'
import { agentSchema } from '../../../daemon/config/schema-agent.ts'
import { UsageError } from '../../errors.ts'

export interface AgentFlags {
  id?: string
  capability?: string
  endpoint?: string
  cost?: number
  p50?: number
  p95?: number
  wins?: number
  trials?: number
  region?: string
  tag?: string[]
  file?: string
}

/** Schema field path → the flag that sets it. */
const FLAG_OF: Record<string, string> = {
  id: '--id',
  capability: '--capability',
  endpoint: '--endpoint',
  costUsd: '--cost',
  'latencyMs.p50': '--p50',
  'latencyMs.p95': '--p95',
  latencyMs: '--p50/--p95',
  'winRate.wins': '--wins',
  'winRate.trials': '--trials',
  region: '--region',
  tags: '--tag'
}

export function readAgentFile (path: string): Record<string, unknown> {
  let value: unknown
  try {
    value = parseYaml(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`--file ${path}: ${(err as Error).message.split('\n')[0] ?? 'cannot read'}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--file ${path}: expected a YAML mapping of agent fields`)
  return value as Record<string, unknown>
}

export function buildAgent (flags: AgentFlags): LocalAgent {
  const base = flags.file !== undefined ? readAgentFile(flags.file) : {}
  const latency = { ...(base.latencyMs as object | undefined), ...defined({ p50: flags.p50, p95: flags.p95 }) }
  const winRate = { ...(base.winRate as object | undefined), ...defined({ wins: flags.wins, trials: flags.trials }) }
  const raw = {
    ...base,
    ...defined({ id: flags.id, capability: flags.capability, endpoint: flags.endpoint, costUsd: flags.cost, region: flags.region, tags: flags.tag }),
    ...(Object.keys(latency).length > 0 ? { latencyMs: latency } : {}),
    ...(Object.keys(winRate).length > 0 ? { winRate } : {})
  }
  const parsed = agentSchema.safeParse(raw)
  if (!parsed.success) {
    const lines = zodIssues(parsed.error).map((i) => {
      const flag = FLAG_OF[i.path]
      return flag !== undefined ? `${flag}: ${i.reason}` : `${i.path}: ${i.reason}`
    })
    throw new UsageError(`invalid agent: ${lines.join('; ')}`)
  }
  return parsed.data
}

function defined (o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}
