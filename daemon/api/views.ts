/**
 * Speaker views → the public JSON of the API (docs/api.md). The JSON's types are those
 * of the zod schemas in route-schemas.ts, which fastify also serializes and documents
 * from. Field names are the contract; add fields, never rename.
 */
import type { z } from 'zod'
import { type BudgetView, effectiveTags, localAgentOf, MEASURED_TAG, originSiteOf, type PathWindowView } from '../../agp/index.ts'
import type { Candidate, LocalAgent, RouteView } from '../../reflector/index.ts'
import type { Route } from '../../agp/index.ts'
import type { DaemonPeerView } from './facade.ts'
import type { budgetJson, candidateJson, candidateViewJson, pathViewJson, peerJson, resolveResponse, routeFactsJson, routeJson, windowJson } from './route-schemas.ts'

export type RouteJson = z.output<typeof routeJson>
export type RouteFactsJson = z.output<typeof routeFactsJson>
export type PathViewJson = z.output<typeof pathViewJson>
export type CandidateViewJson = z.output<typeof candidateViewJson>
/** This org's window on a path; limits are null while unbounded. */
export type WindowJson = z.output<typeof windowJson>
/** Spend of the current UTC day, of the last minute, and since the budget was created. */
export type BudgetJson = z.output<typeof budgetJson>
export type CandidateJson = z.output<typeof candidateJson>
/** `site` once a session came up; `addresses` when the daemon knows the open connections. */
export type PeerJson = z.output<typeof peerJson>
export type ResolveJson = z.output<typeof resolveResponse>

/** Finds this org's window on a path (the facade's `window`). */
export type WindowLookup = (org: string, agent: string) => PathWindowView | undefined

/** Epoch ms → ISO-8601; null when the time is not a valid date. */
export function isoTime (ms: number): string | null {
  const d = new Date(ms)
  return Number.isFinite(d.getTime()) ? d.toISOString() : null
}

export function toWindowJson (w: PathWindowView): WindowJson {
  return { tasks: w.tasks, inFlight: w.inFlight, tokensPerMinute: w.tokensPerMinute, usdPerMinute: w.usdPerMinute, congested: w.congested }
}

export function toBudgetJson (b: BudgetView): BudgetJson {
  return {
    id: b.id,
    usdPerDay: b.usdPerDay,
    usdPerMinute: b.usdPerMinute,
    spentTodayUsd: b.spentTodayUsd,
    spentLastMinuteUsd: b.spentLastMinuteUsd,
    spentTotalUsd: b.spentTotalUsd,
    reservedUsd: b.reservedUsd
  }
}

export function toRouteJson (view: RouteView, windowOf?: WindowLookup): RouteJson {
  return { ...toRouteFactsJson(view.route), ...toPathViewJson(view, windowOf) }
}

/** The route's own fields of its JSON: a function of the (immutable, signed) route alone. */
export function toRouteFactsJson (route: Route): RouteFactsJson {
  const a = route.attrs
  return {
    capability: a.capability,
    org: a.originOrg,
    site: originSiteOf(a),
    agent: a.agentId,
    path: [...route.orgPath],
    sitePath: [...route.sitePath],
    originatorId: route.originatorId,
    clusterList: [...route.clusterList],
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region,
    tags: [...effectiveTags(route)],
    measured: a.tags.includes(MEASURED_TAG),
    measuredAt: isoTime(a.winRate.measuredAtMs),
    endpoint: a.endpoint,
    originSeq: a.originSeq,
    originPeerId: a.originPeerId,
    originatedAt: isoTime(a.originatedAtMs)
  }
}

/** This node's view of the path: what changes without the route changing. */
export function toPathViewJson (view: RouteView, windowOf?: WindowLookup): PathViewJson {
  const a = view.route.attrs
  const w = windowOf?.(a.originOrg, a.agentId)
  const refreshedAt = refreshedAtOf(view.route)
  return {
    state: view.state,
    penalty: view.penalty,
    best: view.best,
    fromPeer: view.fromPeer,
    localPref: view.localPref,
    usable: view.usable,
    ...(refreshedAt !== undefined ? { refreshedAt } : {}),
    ...(w !== undefined ? { window: toWindowJson(w) } : {})
  }
}

export function toCandidateJson (c: Candidate, windowOf?: WindowLookup): CandidateJson {
  return { ...toRouteJson(c.view, windowOf), score: c.score, reason: c.reason }
}

/** The batch refresh time of a route kept fresh by one (ISO), else undefined. */
function refreshedAtOf (route: Route): string | undefined {
  const at = route.refreshedAtMs
  return at !== undefined && at > route.attrs.originatedAtMs ? isoTime(at) ?? undefined : undefined
}

/** A candidate's JSON without its route's facts (toRouteFactsJson). */
export function toCandidateViewJson (c: Candidate, windowOf?: WindowLookup): CandidateViewJson {
  const view = c.view
  const a = view.route.attrs
  const w = windowOf?.(a.originOrg, a.agentId)
  // One literal, not spreads of toPathViewJson: written for every candidate of every answer.
  return {
    state: view.state,
    penalty: view.penalty,
    best: view.best,
    fromPeer: view.fromPeer,
    localPref: view.localPref,
    usable: view.usable,
    refreshedAt: refreshedAtOf(view.route),
    window: w === undefined ? undefined : toWindowJson(w),
    score: c.score,
    reason: c.reason
  }
}

export function toPeerJson (p: DaemonPeerView): PeerJson {
  return {
    peerId: p.peerId,
    org: p.org,
    ...(p.site !== undefined ? { site: p.site } : {}),
    role: p.role,
    state: p.state,
    routesReceived: p.routesReceived,
    routesSent: p.routesSent,
    interests: [...p.interests],
    ...(p.lastError !== undefined ? { lastError: p.lastError } : {}),
    ...(p.establishedAtMs !== undefined ? { establishedAtMs: p.establishedAtMs } : {}),
    ...(p.addresses !== undefined ? { addresses: [...p.addresses] } : {})
  }
}

export function toAgentJson (a: LocalAgent): LocalAgent {
  return localAgentOf(a)
}
