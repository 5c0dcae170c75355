/**
 * JSON Schemas of the API's queries, params and bodies (validated by fastify's ajv).
 * The agent body schema is generated from the config's zod schema so the two never
 * drift; the handler then runs the zod schema for the rules JSON Schema cannot say
 * (p50 ≤ p95, wins ≤ trials, capability grammar, URL).
 */
import { z } from 'zod'
import { agentFieldsShape } from '../config/schema-agent.ts'
import { agentId, CAPABILITY_JSON_SCHEMA, orgId } from '../../kernel/index.ts'

// The kernel's identifier rules (kernel/ids) as JSON Schemas.
const CAPABILITY_JSON = CAPABILITY_JSON_SCHEMA
const ORG_JSON = orgId.jsonSchema
const AGENT_ID_JSON = agentId.jsonSchema

export const MAX_RESOLVE_LIMIT = 1000
/** Candidates a resolve answers when the caller names no limit. */
export const DEFAULT_RESOLVE_LIMIT = 10

export const routesQuerySchema = {
  type: 'object',
  properties: { capability: CAPABILITY_JSON },
  additionalProperties: false
} as const

export const resolveQuerySchema = {
  type: 'object',
  required: ['capability'],
  properties: {
    capability: CAPABILITY_JSON,
    maxCostUsd: { type: 'number', minimum: 0 },
    maxLatencyMs: { type: 'number', minimum: 0 },
    region: { type: 'string', minLength: 1, maxLength: 64 },
    // A default, not everything: an answer of 100 candidates is ~70 KB of JSON, and the
    // caller wants the best few; `limit` up to MAX_RESOLVE_LIMIT asks for more.
    limit: { type: 'integer', minimum: 1, maximum: MAX_RESOLVE_LIMIT, default: DEFAULT_RESOLVE_LIMIT }
  },
  additionalProperties: false
} as const

export const agentParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: AGENT_ID_JSON },
  additionalProperties: false
} as const

/** Agent fields, plus an optional id that must equal the path's. */
export const agentBodyZod = z.strictObject({ ...agentFieldsShape, id: z.string().optional() })

export const agentBodySchema = (() => {
  const schema = z.toJSONSchema(agentBodyZod, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>
  delete schema.$schema
  return schema
})()

export const outcomeBodySchema = {
  type: 'object',
  required: ['org', 'agent', 'capability', 'success'],
  properties: {
    org: ORG_JSON,
    agent: AGENT_ID_JSON,
    capability: CAPABILITY_JSON,
    success: { type: 'boolean' },
    latencyMs: { type: 'number', minimum: 0 },
    costUsd: { type: 'number', minimum: 0 }
  },
  additionalProperties: false
} as const

const LIMIT_JSON = { type: ['number', 'null'], minimum: 0 } as const

export const peersResponseSchema = {
  type: 'object',
  required: ['peers'],
  properties: {
    peers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['peerId', 'org', 'role', 'state', 'routesReceived', 'routesSent', 'interests'],
        properties: {
          peerId: { type: 'string' },
          org: { type: 'string' },
          site: { type: 'string' },
          role: { type: 'string' },
          state: { type: 'string' },
          routesReceived: { type: 'integer' },
          routesSent: { type: 'integer' },
          interests: { type: 'array', items: { type: 'string' } },
          lastError: { type: 'string' },
          establishedAtMs: { type: 'number', description: 'When the session reached Established (epoch ms); absent while it is down.' },
          addresses: { type: 'array', items: { type: 'string' }, description: 'Remote multiaddrs of the open libp2p connections to the peer.' }
        },
        additionalProperties: false
      }
    }
  }
} as const

export const budgetsResponseSchema = {
  type: 'object',
  required: ['budgets'],
  properties: {
    budgets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'usdPerDay', 'usdPerMinute', 'spentTodayUsd', 'spentLastMinuteUsd', 'spentTotalUsd', 'reservedUsd'],
        properties: {
          id: { type: 'string' },
          usdPerDay: LIMIT_JSON,
          usdPerMinute: LIMIT_JSON,
          spentTodayUsd: { type: 'number' },
          spentLastMinuteUsd: { type: 'number' },
          spentTotalUsd: { type: 'number' },
          reservedUsd: { type: 'number' }
        },
        additionalProperties: false
      }
    }
  },
  additionalProperties: false
} as const
