/**
 * Admission: a received route into the Loc-RIB with its local flags, and the
 * re-evaluation of those flags later (reuse after damping, freshness transitions,
 * graceful-restart staleness, an import policy change). Shared by UPDATE import
 * (./speaker-import.ts) and graceful restart (./speaker-graceful-restart.ts).
 */
import {
  DEFAULT_LOCAL_PREF, evaluateImport, freshnessState, isInternalRole, nextFreshnessChangeMs, type PathCandidate, type PathKey,
  pathKeyOf, type Route, siteLoop, stampOf
} from '../agp/index.ts'
import { reflectionLoop } from './cluster-list.ts'
import { isDamped } from './speaker-damping.ts'
import { memoOf, type RouteMemo } from './route-memo.ts'
import { audit, type NeighborState, type SpeakerState } from './speaker-state.ts'

/** Why a received route must not be imported (a loop or our own route), or undefined. */
export function importLoop (st: SpeakerState, route: Route): string | undefined {
  const rr = reflectionLoop(route, st.loopSelf)
  if (rr !== undefined) return rr
  if (route.attrs.originPeerId === st.peerId) return 'own-route'
  // RFC 4271 §9.1.2's AS-path loop check, by org across orgs and by site inside ours.
  return siteLoop(route, st.init.org, st.site)
}
/** Import policy, then the Loc-RIB copy with its local flags. */
export function admit (st: SpeakerState, n: NeighborState, route: Route, memo: RouteMemo, newStamp: boolean): void {
  const peer = n.config.peerId
  const path = memo.path
  let accepted = route
  let localPref = DEFAULT_LOCAL_PREF
  // No import rules: every route is accepted as it is (evaluateImport's default), without its allocations.
  if (st.init.policy.import.length > 0) {
    const verdict = evaluateImport(st.init.policy, route, { neighborRole: n.config.role, neighborOrg: n.config.org })
    if (!verdict.accept) {
      st.counters.policyRejected++
      st.locRib.delete(route.attrs.capability, path, peer)
      audit(st, { kind: 'policy-rejected', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId, detail: verdict.rule ?? verdict.reason })
      return
    }
    accepted = verdict.route
    localPref = verdict.localPref
  }
  const fresh = freshnessState(stampOf(route), st.nowMs, st.init.freshness)
  if (fresh === 'expired') {
    expire(st, n, route)
    return
  }
  const suppressed = isDamped(st, peer, path)
  const stale = fresh === 'stale' || n.adjIn.isStale(path)
  const internal = isInternalRole(n.config.role)
  st.locRib.set(!suppressed && !stale && localPref === DEFAULT_LOCAL_PREF && !internal
    ? plainCandidate(accepted === route ? memo : memoOf(accepted), accepted, peer)
    : { route: accepted, path, fromPeer: peer, localPref, usable: !suppressed, stale, suppressed, ...(internal ? { internal } : {}) })
  if (newStamp) {
    const stamp = stampOf(route)
    const atMs = nextFreshnessChangeMs(stamp, st.nowMs, st.init.freshness)
    if (atMs !== undefined) st.freshness.add(atMs, peer, memo.path, stamp)
  }
}

/** The candidate of a received copy with the default flags: usable, fresh, local preference 100. */
function plainCandidate (memo: RouteMemo, route: Route, fromPeer: string): PathCandidate {
  const hit = memo.candidate
  if (hit !== undefined && hit.fromPeer === fromPeer) return hit
  const c: PathCandidate = { route, path: memo.path, fromPeer, localPref: DEFAULT_LOCAL_PREF, usable: true, stale: false, suppressed: false }
  memo.candidate = c
  return c
}

type Flags = Pick<PathCandidate, 'usable' | 'stale' | 'suppressed'>

/** Local flags of a received route now: damping, freshness, graceful-restart staleness. */
function flagsOf (st: SpeakerState, n: NeighborState, route: Route): Flags | 'expired' {
  const path = pathKeyOf(route)
  const fresh = freshnessState(stampOf(route), st.nowMs, st.init.freshness)
  if (fresh === 'expired') return 'expired'
  const suppressed = isDamped(st, n.config.peerId, path)
  return { usable: !suppressed, stale: fresh === 'stale' || n.adjIn.isStale(path), suppressed }
}

/** Import policy changed: decides again on every route this neighbor sent us. */
export function reimportAll (st: SpeakerState, n: NeighborState): void {
  for (const route of [...n.adjIn.values()]) admit(st, n, route, memoOf(route), false)
}

/** Re-evaluates the flags of a held route (reuse, freshness, graceful restart). */
export function refreshFlags (st: SpeakerState, n: NeighborState, path: PathKey): void {
  const route = n.adjIn.get(path)
  if (route === undefined) return
  const copy = st.locRib.getCopy(route.attrs.capability, path, n.config.peerId)
  if (copy === undefined) return // rejected by import policy: nothing in the Loc-RIB
  const flags = flagsOf(st, n, route)
  if (flags === 'expired') return expire(st, n, route)
  if (flags.usable === copy.usable && flags.stale === copy.stale && flags.suppressed === copy.suppressed) return
  st.locRib.set({ ...copy, ...flags })
}

export function expire (st: SpeakerState, n: NeighborState, route: Route): void {
  st.counters.routesExpired++
  removeReceived(st, n, route)
  audit(st, { kind: 'route-expired', peer: n.config.peerId, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId })
}

export function removeReceived (st: SpeakerState, n: NeighborState, route: Route): void {
  const path = pathKeyOf(route)
  n.adjIn.delete(path)
  st.locRib.delete(route.attrs.capability, path, n.config.peerId)
}
