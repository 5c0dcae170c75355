/**
 * Import: an UPDATE from a neighbor into its Adj-RIB-In and the Loc-RIB.
 *
 * For each announce, in order: stale data (a lower originSeq than held from this
 * neighbor) is ignored; RFC 4456 §8 loops (our cluster id in the cluster list, our
 * peer id as originator), our own routes, our org coming back after another org, and
 * our (org, site) already in the site path are dropped (agp/route/site.ts: a route is
 * never dropped only because its org is ours — our other sites send it); the origin
 * signature is verified (cached by signature bytes: a reflector sees the same
 * advertisement over redundant paths) and a bad one is treat-as-withdraw (RFC 7606's
 * idea: the session stays up); the Adj-RIB-In bound is enforced; damping is applied
 * only where the route enters the federation from its origin (./speaker-damping.ts);
 * import policy decides acceptance and local preference (./speaker-admission.ts).
 */
import {
  CeaseSubcode, checkOriginSignature, NotificationCode, pathKey, stampOf, type PathCandidate, type Route, type RouteSignatureError,
  type UpdateFrame, type WithdrawnPath
} from '../agp/index.ts'
import { LimitExceededError, sameBytes } from '../kernel/index.ts'
import { admit, importLoop, removeReceived } from './speaker-admission.ts'
import { importRefreshes } from './speaker-batch-refresh.ts'
import { memoOf, type RouteMemo } from './route-memo.ts'
import { damp, dampAnnounce } from './speaker-damping.ts'
import { dropRestartCopies } from './speaker-graceful-restart.ts'
import { audit, type NeighborState, type SpeakerState } from './speaker-state.ts'

/**
 * New and withdrawn paths audited one record each per UPDATE, up to this many; the rest
 * of the UPDATE's paths of that kind go into one summary record (`repeated`). A full
 * table arrives as UPDATEs of hundreds of routes, and one hash-chained record per route
 * was most of the audit log's cost (and of its size) while saying nothing an operator
 * reads route by route.
 */
export const AUDIT_PATHS_PER_UPDATE = 4

/** The audit records of one UPDATE: the first paths of each kind, then a count. */
interface UpdateAudit {
  accepted: number
  withdrawn: number
}

/** Applies one UPDATE; returns false when the neighbor broke its route limit (the caller kills the session). */
export function importUpdate (st: SpeakerState, n: NeighborState, frame: UpdateFrame): boolean {
  st.counters.updatesIn++
  const seen: UpdateAudit = { accepted: 0, withdrawn: 0 }
  try {
    for (const w of frame.withdraws) withdrawPath(st, n, w, seen)
    for (const route of frame.announces) {
      if (!announceRoute(st, n, route, seen)) return false
    }
    if (frame.refreshes !== undefined) importRefreshes(st, n, frame.refreshes)
    return true
  } finally {
    summarize(st, n, 'route-withdrawn', seen.withdrawn)
    summarize(st, n, 'route-accepted', seen.accepted)
  }
}

function summarize (st: SpeakerState, n: NeighborState, kind: 'route-accepted' | 'route-withdrawn', count: number): void {
  const more = count - AUDIT_PATHS_PER_UPDATE
  if (more <= 0) return
  audit(st, { kind, peer: n.config.peerId, detail: `${count} paths in one UPDATE, the first ${AUDIT_PATHS_PER_UPDATE} listed`, repeated: more })
}

/** The max-routes reaction: NOTIFICATION Cease/MaxPrefixesReached (RFC 4486), close, back off. */
export function maxRoutesFailure (n: NeighborState): { code: NotificationCode, subcode: number, text: string } {
  n.dropOnDown = true
  return { code: NotificationCode.Cease, subcode: CeaseSubcode.MaxPrefixesReached, text: `more than ${n.adjIn.maxRoutes} routes` }
}

function withdrawPath (st: SpeakerState, n: NeighborState, w: WithdrawnPath, seen: UpdateAudit): void {
  const path = pathKey(w.originOrg, w.agentId)
  const prev = n.adjIn.get(path)
  // A withdraw for another capability than the one held is older news: the path moved.
  if (prev === undefined || prev.attrs.capability !== w.capability) return
  removeReceived(st, n, prev)
  if (prev.attrs.originPeerId === n.config.peerId) damp(st, n.config.peerId, path, w.capability, 'withdraw')
  if (seen.withdrawn++ < AUDIT_PATHS_PER_UPDATE) audit(st, { kind: 'route-withdrawn', peer: n.config.peerId, capability: w.capability, org: w.originOrg, agent: w.agentId })
  dropRestartCopies(st, n, w.capability, path)
}

function announceRoute (st: SpeakerState, n: NeighborState, routeIn: Route, seen: UpdateAudit): boolean {
  let route = routeIn
  const peer = n.config.peerId
  const memo = memoOf(route)
  const path = memo.path
  const prev = n.adjIn.get(path)
  // Stale data: an older advertisement overtaken by one we hold. After a graceful
  // restart (prev stale) anything goes: the origin may have lost its counter.
  if (prev !== undefined && route.attrs.originSeq < prev.attrs.originSeq && !n.adjIn.isStale(path)) {
    st.counters.staleSeqIgnored++
    return true
  }
  const loop = importLoop(st, route)
  if (loop !== undefined) {
    st.counters.loopsDropped++
    if (prev !== undefined) removeReceived(st, n, prev)
    audit(st, { kind: 'route-rejected', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId, detail: loop })
    return true
  }
  const badSignature = signatureFailure(st, n, prev, route, memo)
  if (badSignature !== undefined) {
    st.counters.signatureInvalid++
    if (prev !== undefined) removeReceived(st, n, prev)
    audit(st, { kind: 'signature-invalid', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId, detail: badSignature.reason })
    return true
  }
  // The same signed bytes again (a table sent anew): the stamp a batch refresh gave them stays.
  if (prev?.refreshedAtMs !== undefined && route.refreshedAtMs === undefined && sameSigned(prev, route)) {
    route = { ...route, refreshedAtMs: prev.refreshedAtMs }
  }
  try {
    n.adjIn.set(route, path)
  } catch (err) {
    if (!(err instanceof LimitExceededError)) throw err
    st.counters.maxRoutesExceeded++
    audit(st, { kind: 'max-routes', peer, detail: err.message })
    return false
  }
  if (prev !== undefined && prev.attrs.capability !== route.attrs.capability) {
    st.locRib.delete(prev.attrs.capability, path, peer)
  }
  if (route.attrs.originPeerId === peer) dampAnnounce(st, peer, prev, route, path)
  admit(st, n, route, route === routeIn ? memo : memoOf(route), prev === undefined || stampOf(prev) !== stampOf(route))
  if (prev === undefined && seen.accepted++ < AUDIT_PATHS_PER_UPDATE) {
    audit(st, { kind: 'route-accepted', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId })
  }
  return true
}

/** Undefined when the route's attrs are what their origin signed. */
function signatureFailure (st: SpeakerState, n: NeighborState, prev: Route | undefined, route: Route, memo: RouteMemo): RouteSignatureError | undefined {
  if (prev !== undefined && sameSigned(prev, route)) {
    st.counters.signatureCacheHits++
    return undefined
  }
  // This very advertisement object already passed this verifier (at another speaker
  // sharing it, as in a simulation): a Route is immutable, so the answer is the same.
  const verifier = st.components.verifier
  if (memo.verifiedBy === verifier ||
    st.locRib.findCopy(route.attrs.capability, memo.path, n.config.peerId, copySignedAs, route, undefined) !== undefined) {
    st.counters.signatureCacheHits++
    return undefined
  }
  st.counters.signatureVerified++
  const roots = st.originCheck.roots
  const rootsBefore = roots.added
  const failure = checkOriginSignature(route, st.originCheck)
  st.counters.batchRootsVerified += roots.added - rootsBefore
  if (failure !== undefined) return failure
  memo.verifiedBy = verifier
  return undefined
}

function copySignedAs (c: PathCandidate, route: Route): boolean {
  return sameSigned(c.route, route)
}

// Equal attrs bytes under an equal signature were checked when the first copy came: a
// different audit path cannot make them less signed.
function sameSigned (a: Route, b: Route): boolean {
  return sameBytes(a.signature, b.signature) && sameBytes(a.attrsBytes, b.attrsBytes)
}

