/**
 * A local agent, as in the config's `agents:` and the body of PUT /v1/agents/:id.
 * The output is agp/route/local-agent.ts LocalAgent.
 */
import { z } from 'zod'
import type { LocalAgent } from '../../reflector/index.ts'
import { MAX_TAGS, endpoint as endpointRule, region, tag } from '../../kernel/index.ts'
import { agentId, capability, nonNegative } from './schema-common.ts'

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

export type AgentInput = z.input<typeof agentSchema>

/** Compile-time check that the schema's output is the core's LocalAgent. */
export function toLocalAgent (agent: z.output<typeof agentSchema>): LocalAgent {
  return agent
}
