/**
 * What counts as a visible Loc-RIB change: a ranking or route that GET /v1/routes would
 * show differently. A refresh's bookkeeping is not one.
 */
import type { Route } from '../route/route.ts'
import { sameStrings } from './adj-rib-out.ts'
import type { PathCandidate } from './path-candidate.ts'

/** The same ranked paths as views show them: order, source, flags and visible route. */
export function sameRanking (a: readonly PathCandidate[], b: readonly PathCandidate[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as PathCandidate
    const y = b[i] as PathCandidate
    if (x === y) continue
    if (x.fromPeer !== y.fromPeer || x.usable !== y.usable || x.stale !== y.stale || x.suppressed !== y.suppressed ||
      x.localPref !== y.localPref || !sameVisibleRoute(x.route, y.route)) return false
  }
  return true
}

/**
 * Same route as GET /v1/routes shows it, ignoring the bookkeeping every refresh moves
 * (originSeq, originatedAtMs, measuredAtMs): a refresh that changes nothing visible is
 * not a Loc-RIB change (the simulator's convergence checker counts on it).
 */
export function sameVisibleRoute (a: Route, b: Route): boolean {
  if (a === b) return true
  const x = a.attrs
  const y = b.attrs
  return x.capability === y.capability && x.originOrg === y.originOrg && x.agentId === y.agentId &&
    x.originPeerId === y.originPeerId && x.endpoint === y.endpoint && x.costUsd === y.costUsd &&
    x.latencyMs.p50 === y.latencyMs.p50 && x.latencyMs.p95 === y.latencyMs.p95 &&
    x.winRate.wins === y.winRate.wins && x.winRate.trials === y.winRate.trials && x.region === y.region &&
    sameStrings(x.tags, y.tags) && sameStrings(a.orgPath, b.orgPath) && a.originatorId === b.originatorId &&
    sameStrings(a.clusterList, b.clusterList) && sameStrings(a.pathTags, b.pathTags)
}
