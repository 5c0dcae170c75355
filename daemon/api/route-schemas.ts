/**
 * The API's response bodies, in zod: their TypeScript types (views.ts re-exports them for
 * the server's views and the typed client) and the JSON Schemas fastify compiles into
 * serializers (fast-json-stringify) and @fastify/swagger documents. A compiled serializer
 * writes only the fields its schema names, so a field exists in the answer exactly when
 * it exists here; test/unit/api/route-schemas.test.ts checks the API returns each one.
 */
import { z } from 'zod'
import type { RouteState } from '../../reflector/index.ts'
import { NEIGHBOR_ROLES, type SessionState } from '../../agp/index.ts'
import { apiJsonSchema, type JsonSchema } from './json-schema.ts'

const strings = z.array(z.string())
/** Limits are null while unbounded. */
const limit = z.number().min(0).nullable()
/** ISO-8601 time, null when the route carries no valid time. */
const timeOrNull = z.string().nullable()

const ROUTE_STATES = ['active', 'stale', 'suppressed'] as const satisfies readonly RouteState[]
const SESSION_STATES = ['idle', 'connect', 'open-sent', 'open-confirm', 'established'] as const satisfies readonly SessionState[]

/** A path's congestion window in route JSON (docs/congestion.md). */
export const windowJson = z.object({
  tasks: z.number().int().min(1),
  inFlight: z.number().int().min(0),
  tokensPerMinute: limit,
  usdPerMinute: limit,
  congested: z.boolean()
})

/** The fields of route JSON that come from the signed route alone: the same in every answer that shows it. */
export const routeFactsJson = z.object({
  capability: z.string(),
  org: z.string(),
  site: z.string().describe('The origin site within org (the org id for a single-site org).'),
  agent: z.string(),
  path: strings.describe('Orgs the route crossed, nearest first; the origin org last.'),
  sitePath: strings.describe("Sites of path[0]'s org the route crossed, nearest first."),
  originatorId: z.string(),
  clusterList: strings,
  costUsd: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number() }),
  winRate: z.object({ wins: z.number(), trials: z.number() }),
  region: z.string(),
  tags: strings,
  measured: z.boolean().describe('The origin advertises measured latency and win-rate (origin tag metrics:measured), not declared ones.'),
  measuredAt: timeOrNull,
  endpoint: z.string(),
  originSeq: z.number(),
  originPeerId: z.string(),
  originatedAt: timeOrNull
})

/** The fields of route JSON from this node's view of the path: they change without the route changing. */
export const pathViewJson = z.object({
  state: z.enum(ROUTE_STATES),
  penalty: z.number(),
  best: z.boolean(),
  fromPeer: z.string(),
  localPref: z.number(),
  usable: z.boolean(),
  refreshedAt: z.string().describe("When the route's origin last re-asserted it by batch refresh (docs/protocol.md), when later than originatedAt: freshness runs from here.").optional(),
  window: windowJson.describe("This org's congestion window on the path, once it has forwarded tasks there.").optional()
})

export const routeJson = routeFactsJson.extend(pathViewJson.shape)

const candidateRankShape = {
  // JSON has no −∞: a score nothing sensible can be said about is written as null.
  score: z.number().nullable().describe('Local resolve score; null when nothing sensible can be said about the path (−∞).'),
  reason: z.string().describe('The decision step that placed the candidate below the one above it; best for the first.')
}

export const candidateJson = routeJson.extend(candidateRankShape)
/** What a resolve answer says of a candidate besides its route's facts: written per answer. */
export const candidateViewJson = pathViewJson.extend(candidateRankShape)

export const peerJson = z.object({
  peerId: z.string(),
  org: z.string(),
  site: z.string().optional(),
  role: z.enum(NEIGHBOR_ROLES),
  state: z.enum(SESSION_STATES),
  routesReceived: z.number().int(),
  routesSent: z.number().int(),
  interests: strings,
  lastError: z.string().optional(),
  establishedAtMs: z.number().describe('When the session reached Established (epoch ms); absent while it is down.').optional(),
  addresses: strings.describe('Remote multiaddrs of the open libp2p connections to the peer.').optional()
})

export const budgetJson = z.object({
  id: z.string(),
  usdPerDay: limit,
  usdPerMinute: limit,
  spentTodayUsd: z.number(),
  spentLastMinuteUsd: z.number(),
  spentTotalUsd: z.number(),
  reservedUsd: z.number()
})

export const routesResponse = z.object({ routes: z.array(routeJson) })
export const resolveResponse = z.object({ capability: z.string(), candidates: z.array(candidateJson) })
export const peersResponse = z.object({ peers: z.array(peerJson) })
export const budgetsResponse = z.object({ budgets: z.array(budgetJson) })

export const windowJsonSchema = apiJsonSchema(windowJson, 'output')
export const routeJsonSchema = apiJsonSchema(routeJson, 'output') as JsonSchema & { properties: Record<string, unknown> }
export const candidateJsonSchema = apiJsonSchema(candidateJson, 'output') as JsonSchema & { properties: Record<string, unknown> }
export const routeFactsJsonSchema = apiJsonSchema(routeFactsJson, 'output') as JsonSchema & { properties: Record<string, unknown> }
export const candidateViewJsonSchema = apiJsonSchema(candidateViewJson, 'output') as JsonSchema & { properties: Record<string, unknown> }
export const routesResponseSchema = apiJsonSchema(routesResponse, 'output')
export const resolveResponseSchema = apiJsonSchema(resolveResponse, 'output')
export const peersResponseSchema = apiJsonSchema(peersResponse, 'output')
export const budgetsResponseSchema = apiJsonSchema(budgetsResponse, 'output')
