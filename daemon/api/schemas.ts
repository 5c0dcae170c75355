/**
 * The API's queries, params and request bodies, in zod, with the JSON Schemas fastify's
 * ajv validates them with (generated from the same zod schemas, so the two never drift).
 * The agent body's handler then runs its zod schema for the rules JSON Schema cannot say
 * (p50 ≤ p95, wins ≤ trials, URL).
 */
import { z } from 'zod'
import { agentFieldsShape } from '../config/schema-agent.ts'
import { agentId, capabilitySchema, orgId } from '../../kernel/index.ts'
import { apiJsonSchema } from './json-schema.ts'

export const MAX_RESOLVE_LIMIT = 1000
/** Candidates a resolve answers when the caller names no limit. */
export const DEFAULT_RESOLVE_LIMIT = 10

const nonNegative = z.number().min(0)

export const routesQuery = z.strictObject({ capability: capabilitySchema.optional() })

export const resolveQuery = z.strictObject({
  capability: capabilitySchema,
  maxCostUsd: nonNegative.optional(),
  maxLatencyMs: nonNegative.optional(),
  region: z.string().min(1).max(64).optional(),
  // A default, not everything: an answer of 100 candidates is ~70 KB of JSON, and the
  // caller wants the best few; `limit` up to MAX_RESOLVE_LIMIT asks for more.
  limit: z.number().int().min(1).max(MAX_RESOLVE_LIMIT).default(DEFAULT_RESOLVE_LIMIT)
})

export const agentParams = z.strictObject({ id: agentId.schema })

/** Agent fields, plus an optional id that must equal the path's. */
export const agentBodyZod = z.strictObject({ ...agentFieldsShape, id: z.string().optional() })

export const outcomeBody = z.strictObject({
  org: orgId.schema,
  agent: agentId.schema,
  capability: capabilitySchema,
  success: z.boolean(),
  latencyMs: nonNegative.optional(),
  costUsd: nonNegative.optional()
})

export const routesQuerySchema = apiJsonSchema(routesQuery, 'input')
export const resolveQuerySchema = apiJsonSchema(resolveQuery, 'input')
export const agentParamsSchema = apiJsonSchema(agentParams, 'input')
export const agentBodySchema = apiJsonSchema(agentBodyZod, 'input')
export const outcomeBodySchema = apiJsonSchema(outcomeBody, 'input')
