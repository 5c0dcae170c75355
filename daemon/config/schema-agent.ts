/**
 * A local agent, as in the config's `agents:` and the body of PUT /v1/agents/:id.
 * The output is agp/speaker/types.ts LocalAgent.
 */
import { z } from 'zod'
import type { LocalAgent } from '../../agp/speaker/types.ts'
import { ENDPOINT_PATTERN, MAX_ENDPOINT_LENGTH, MAX_TAGS, REGION_PATTERN, TAG_PATTERN } from '../../agp/codec/limits.ts'
import { agentId, capability, nonNegative } from './schema-common.ts'

// The wire's bounds (agp/codec/limits.ts): an agent the API accepts always encodes.
export { MAX_TAGS, TAG_PATTERN }

const latency = z.strictObject({ p50: nonNegative, p95: nonNegative })
  .refine((l) => l.p50 <= l.p95, { error: 'p50 must not exceed p95', path: ['p95'] })

const winRate = z.strictObject({ wins: z.number().int().nonnegative(), trials: z.number().int().nonnegative() })
  .refine((w) => w.wins <= w.trials, { error: 'wins must not exceed trials', path: ['wins'] })

/** The endpoint's reason in the config's and the API's messages. */
export const ENDPOINT_REASON = 'not printable ASCII without spaces (what the wire carries)'

const endpoint = z.string().min(1).max(MAX_ENDPOINT_LENGTH).regex(ENDPOINT_PATTERN, { error: ENDPOINT_REASON }).refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol)
  } catch {
    return false
  }
}, { error: 'not an http(s) URL' })

const tag = z.string().regex(TAG_PATTERN, { error: 'not a tag ([a-z0-9][a-z0-9:._-]{0,63})' })

/** Agent fields without the id (the API takes the id from the path). */
export const agentFieldsShape = {
  capability,
  endpoint,
  costUsd: nonNegative,
  latencyMs: latency,
  winRate: winRate.prefault({ wins: 0, trials: 0 }),
  region: z.string().regex(REGION_PATTERN, { error: 'not a region (lowercase [a-z0-9-], at most 32 characters)' }).default(''),
  tags: z.array(tag).max(MAX_TAGS).default([])
    .refine((t) => new Set(t).size === t.length, { error: 'duplicate tag' })
}

export const agentSchema = z.strictObject({ id: agentId, ...agentFieldsShape })

export type AgentInput = z.input<typeof agentSchema>

/** Compile-time check that the schema's output is the core's LocalAgent. */
export function toLocalAgent (agent: z.output<typeof agentSchema>): LocalAgent {
  return agent
}
