/**
 * A local agent, as in the config's `agents:` and the body of PUT /v1/agents/:id.
 * The output is agp/route/local-agent.ts LocalAgent.
 */
import { z } from 'zod'
import type { LocalAgent } from '../../reflector/index.ts'
import { endpoint as endpointRule, MAX_TAGS, region, tag } from '../../kernel/index.ts'
import { agentId, capability, nonNegative } from './schema-common.ts'
import { MEASURED_TAG } from '../../agp/index.ts'

const latency = z.strictObject({ p50: nonNegative, p95: nonNegative })
  .refine((l) => l.p50 <= l.p95, { error: 'p50 must not exceed p95', path: ['p95'] })

const winRate = z.strictObject({ wins: z.number().int().nonnegative(), trials: z.number().int().nonnegative() })
  .refine((w) => w.wins <= w.trials, { error: 'wins must not exceed trials', path: ['wins'] })

const endpoint = endpointRule.schema.min(1).refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol)
  } catch {
    return false
  }
}, { error: 'not an http(s) URL' })

/** Agent fields without the id (the API takes the id from the path). */
export const agentFieldsShape = {
  capability,
  endpoint,
  costUsd: nonNegative,
  latencyMs: latency,
  winRate: winRate.prefault({ wins: 0, trials: 0 }),
  region: region.schema.default(''),
  tags: z.array(tag.schema).max(MAX_TAGS).default([])
    .refine((t) => new Set(t).size === t.length, { error: 'duplicate tag' })
}

export const agentSchema = z.strictObject({ id: agentId, ...agentFieldsShape })

/**
 * Whether an origin advertises the figures it was given (`declared`) or the ones it
 * measures from the tasks its agent serves (`measured`).
 */
export const agentMetricsMode = z.enum(['declared', 'measured'], { error: "not a metrics mode ('declared' | 'measured')" })

export const DEFAULT_PROBE_S = 30

/** An agent known by its A2A card: the card gives the endpoint and, through its skills, the capabilities. */
export const a2aAgentSchema = z.strictObject({
  card: endpoint,
  /** Skill id → capability; absent: a skill's tags that are capabilities, else its id when it is one. */
  skills: z.record(z.string().min(1).max(128), capability).optional(),
  probeS: z.number().finite().min(1).max(86_400).default(DEFAULT_PROBE_S)
})

/**
 * A config entry under `agents:`. With `a2a`, what the card or the measurements
 * provide (capability, endpoint, latencyMs, winRate) is optional; without it the entry
 * is the API's agent plus an optional `metrics` mode.
 */
export const staticAgentSchema = z.strictObject({ id: agentId, ...agentFieldsShape, metrics: agentMetricsMode.default('declared') })

export const cardAgentSchema = z.strictObject({
  id: agentId,
  a2a: a2aAgentSchema,
  capability: capability.optional(),
  endpoint: endpoint.optional(),
  costUsd: nonNegative.default(0),
  latencyMs: latency.optional(),
  winRate: winRate.optional(),
  region: agentFieldsShape.region,
  tags: agentFieldsShape.tags,
  metrics: agentMetricsMode.optional()
})

export const configAgentSchema = z.union([staticAgentSchema, cardAgentSchema])

export type ConfigAgent = z.output<typeof configAgentSchema>
export type CardAgent = Extract<ConfigAgent, { a2a: unknown }>

/** Config agents with all their figures given: they go to the routing engine at start. */
export function staticAgents (agents: readonly ConfigAgent[]): LocalAgent[] {
  return agents.flatMap((a) => 'a2a' in a
    ? []
    : [toLocalAgent({ id: a.id, capability: a.capability, endpoint: a.endpoint, costUsd: a.costUsd, latencyMs: a.latencyMs, winRate: a.winRate, region: a.region, tags: withMetricsTag(a.tags, a.metrics === 'measured') })])
}

/** A config agent advertises measured figures: explicitly, or a card agent that declares none. */
export function isMeasured (a: ConfigAgent): boolean {
  if (a.metrics !== undefined) return a.metrics === 'measured'
  return 'a2a' in a && (a.latencyMs === undefined || a.winRate === undefined)
}

/** The agent's tags with MEASURED_TAG added (measured) or removed (declared). */
export function withMetricsTag (tags: readonly string[], measured: boolean): string[] {
  const rest = tags.filter((t) => t !== MEASURED_TAG)
  return measured ? [...rest, MEASURED_TAG] : rest
}

export type AgentInput = z.input<typeof agentSchema>

/** Compile-time check that the schema's output is the core's LocalAgent. */
export function toLocalAgent (agent: z.output<typeof agentSchema>): LocalAgent {
  return agent
}
