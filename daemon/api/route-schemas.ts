/**
 * Response schemas of GET /v1/routes and GET /v1/resolve. Fastify compiles them into
 * a serializer (fast-json-stringify): the answer is written field by field from the
 * schema, with no JSON.stringify walk of each object. Such a serializer writes only
 * the fields the schema names, so every field of RouteJson and CandidateJson is named
 * here; `satisfies` makes a field added to those types without a schema entry a type
 * error, and test/unit/api/route-schemas.test.ts checks the API returns each one.
 */
import type { CandidateJson, RouteJson, WindowJson } from './views.ts'

const STRING = { type: 'string' } as const
const NUMBER = { type: 'number' } as const
const BOOLEAN = { type: 'boolean' } as const
const STRINGS = { type: 'array', items: STRING } as const
const LIMIT_JSON = { type: ['number', 'null'], minimum: 0 } as const
/** ISO-8601 time, null when the route carries no valid time. */
const TIME_OR_NULL = { type: ['string', 'null'] } as const

/** A path's congestion window in route JSON (docs/congestion.md). */
export const windowJsonSchema = {
  type: 'object',
  required: ['tasks', 'inFlight', 'tokensPerMinute', 'usdPerMinute', 'congested'],
  properties: {
    tasks: { type: 'integer', minimum: 1 },
    inFlight: { type: 'integer', minimum: 0 },
    tokensPerMinute: LIMIT_JSON,
    usdPerMinute: LIMIT_JSON,
    congested: BOOLEAN
  } satisfies Record<keyof WindowJson, object>,
  additionalProperties: false
} as const

const routeProperties = {
  capability: STRING,
  org: STRING,
  site: { type: 'string', description: 'The origin site within org (the org id for a single-site org).' },
  agent: STRING,
  path: { ...STRINGS, description: 'Orgs the route crossed, nearest first; the origin org last.' },
  sitePath: { ...STRINGS, description: "Sites of path[0]'s org the route crossed, nearest first." },
  originatorId: STRING,
  clusterList: STRINGS,
  costUsd: NUMBER,
  latencyMs: { type: 'object', required: ['p50', 'p95'], properties: { p50: NUMBER, p95: NUMBER }, additionalProperties: false },
  winRate: { type: 'object', required: ['wins', 'trials'], properties: { wins: NUMBER, trials: NUMBER }, additionalProperties: false },
  region: STRING,
  tags: STRINGS,
  measured: { type: 'boolean', description: 'The origin advertises measured latency and win-rate (origin tag metrics:measured), not declared ones.' },
  measuredAt: TIME_OR_NULL,
  state: { type: 'string', enum: ['active', 'stale', 'suppressed'] },
  penalty: NUMBER,
  best: BOOLEAN,
  endpoint: STRING,
  fromPeer: STRING,
  localPref: NUMBER,
  usable: BOOLEAN,
  originSeq: NUMBER,
  originPeerId: STRING,
  originatedAt: TIME_OR_NULL,
  window: { ...windowJsonSchema, description: "This org's congestion window on the path, once it has forwarded tasks there." }
} as const satisfies Record<keyof RouteJson, object>

const ROUTE_REQUIRED = Object.keys(routeProperties).filter((k) => k !== 'window')

export const routeJsonSchema = {
  type: 'object',
  required: ROUTE_REQUIRED,
  properties: routeProperties,
  additionalProperties: false
} as const

export const candidateJsonSchema = {
  type: 'object',
  required: [...ROUTE_REQUIRED, 'score', 'reason'],
  properties: {
    ...routeProperties,
    score: { type: ['number', 'null'], description: 'Local resolve score; null when nothing sensible can be said about the path (−∞).' },
    reason: { type: 'string', description: 'The decision step that placed the candidate below the one above it; best for the first.' }
  } as const satisfies Record<keyof CandidateJson, object>,
  additionalProperties: false
} as const

export const routesResponseSchema = {
  type: 'object',
  required: ['routes'],
  properties: { routes: { type: 'array', items: routeJsonSchema } },
  additionalProperties: false
} as const

export const resolveResponseSchema = {
  type: 'object',
  required: ['capability', 'candidates'],
  properties: {
    capability: STRING,
    candidates: { type: 'array', items: candidateJsonSchema }
  },
  additionalProperties: false
} as const
