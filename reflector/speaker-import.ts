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
 * only where the route enters the federation from its origin; import policy decides
 * acceptance and local preference.
 */
import {
  applyDampingEvent, CeaseSubcode, classifyChange, type DampingEvent, DEFAULT_LOCAL_PREF, evaluateImport,
  freshnessState, isForgettable, isInternalRole, isSuppressed, nextFreshnessChangeMs, NotificationCode, pathKey, type PathKey,
  pathKeyOf, reuseAtMs, type Route, sameBytes, siteLoop, splitPathKey, type UpdateFrame, verifyRoute, type WithdrawnPath
} from '../agp/index.ts'
import { LimitExceededError } from '../kernel/index.ts'
import type { PathCandidate } from '../agp/index.ts'
import { reflectionLoop } from './cluster-list.ts'
import type { FreshnessEntry } from './speaker-freshness-queue.ts'
import { audit, clearTimer, dampingKey, MAX_DAMPING_ENTRIES, setTimer, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'
import type { Verifier } from '../kernel/index.ts'

/** Applies one UPDATE; returns false when the neighbor broke its route limit (the caller kills the session). */
export function importUpdate (st: SpeakerState, n: NeighborState, frame: UpdateFrame): boolean {
  st.counters.updatesIn++
  for (const w of frame.withdraws) withdrawPath(st, n, w)
  for (const route of frame.announces) {
    if (!announceRoute(st, n, route)) return false
  }
  return true
}

/** The max-routes reaction: NOTIFICATION Cease/MaxPrefixesReached (RFC 4486), close, back off. */
export function maxRoutesFailure (n: NeighborState): { code: NotificationCode, subcode: number, text: string } {
  n.dropOnDown = true
  return { code: NotificationCode.Cease, subcode: CeaseSubcode.MaxPrefixesReached, text: `more than ${n.adjIn.maxRoutes} routes` }
}

function withdrawPath (st: SpeakerState, n: NeighborState, w: WithdrawnPath): void {
  const path = pathKey(w.originOrg, w.agentId)
  const prev = n.adjIn.get(path)
  // A withdraw for another capability than the one held is older news: the path moved.
  if (prev === undefined || prev.attrs.capability !== w.capability) return
  removeReceived(st, n, prev)
  if (prev.attrs.originPeerId === n.config.peerId) damp(st, n.config.peerId, path, w.capability, 'withdraw')
  audit(st, { kind: 'route-withdrawn', peer: n.config.peerId, capability: w.capability, org: w.originOrg, agent: w.agentId })
  dropRestartCopies(st, n, w.capability, path)
}

/**
 * A live neighbor's withdrawal also ends the copies of that path kept only to ride out
 * another neighbor's restart (stale in its Adj-RIB-In, RFC 4724 §4.2): "gone" from a
 * live session is newer than anything a retained copy says. Without this, a withdrawn
 * agent stayed resolvable — and was re-advertised by a surviving reflector — until
 * restartTimeS. Copies from live sessions are left alone: those neighbors speak for
 * themselves.
 */
function dropRestartCopies (st: SpeakerState, from: NeighborState, capability: string, path: PathKey): void {
  for (const copy of [...st.locRib.copiesOf(capability, path)]) {
    if (copy.fromPeer === from.config.peerId) continue
    const other = st.neighbors.get(copy.fromPeer)
    if (other === undefined || !other.adjIn.isStale(path)) continue
    const route = other.adjIn.get(path)
    if (route === undefined) continue
    removeReceived(st, other, route)
    audit(st, { kind: 'route-withdrawn', peer: other.config.peerId, capability, org: route.attrs.originOrg, agent: route.attrs.agentId, detail: `graceful-restart copy: withdrawn by live neighbor ${from.config.peerId}` })
  }
}

function announceRoute (st: SpeakerState, n: NeighborState, route: Route): boolean {
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
  if (!signatureValid(st, n, prev, route, memo)) {
    st.counters.signatureInvalid++
    if (prev !== undefined) removeReceived(st, n, prev)
    audit(st, { kind: 'signature-invalid', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId })
    return true
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
  admit(st, n, route, memo, prev === undefined || prev.attrs.originatedAtMs !== route.attrs.originatedAtMs)
  if (prev === undefined) {
    audit(st, { kind: 'route-accepted', peer, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId })
  }
  return true
}

function importLoop (st: SpeakerState, route: Route): string | undefined {
  const rr = reflectionLoop(route, st.loopSelf)
  if (rr !== undefined) return rr
  if (route.attrs.originPeerId === st.peerId) return 'own-route'
  // RFC 4271 §9.1.2's AS-path loop check, by org across orgs and by site inside ours.
  return siteLoop(route, st.init.org, st.site)
}

function signatureValid (st: SpeakerState, n: NeighborState, prev: Route | undefined, route: Route, memo: RouteMemo): boolean {
  if (prev !== undefined && sameSigned(prev, route)) {
    st.counters.signatureCacheHits++
    return true
  }
  // This very advertisement object already passed this verifier (at another speaker
  // sharing it, as in a simulation): a Route is immutable, so the answer is the same.
  const verifier = st.components.verifier
  if (memo.verifiedBy === verifier ||
    st.locRib.findCopy(route.attrs.capability, memo.path, n.config.peerId, copySignedAs, route, undefined) !== undefined) {
    st.counters.signatureCacheHits++
    return true
  }
  st.counters.signatureVerified++
  const ok = verifyRoute(route, verifier)
  if (ok) memo.verifiedBy = verifier
  return ok
}

function copySignedAs (c: PathCandidate, route: Route): boolean {
  return sameSigned(c.route, route)
}

function sameSigned (a: Route, b: Route): boolean {
  return sameBytes(a.signature, b.signature) && sameBytes(a.attrsBytes, b.attrsBytes)
}

/** Import policy, then the Loc-RIB copy with its local flags. */
function admit (st: SpeakerState, n: NeighborState, route: Route, memo: RouteMemo, newStamp: boolean): void {
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
  const fresh = freshnessState(route.attrs.originatedAtMs, st.nowMs, st.init.freshness)
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
    const atMs = nextFreshnessChangeMs(route.attrs.originatedAtMs, st.nowMs, st.init.freshness)
    if (atMs !== undefined) st.freshness.push(freshnessEntry(memo, route, atMs, peer))
  }
}

/**
 * What a received advertisement (one Route object) needs on every node: its path key
 * and the immutable values built from it. In a simulation one advertisement object
 * reaches thousands of nodes from the same neighbor, nearly all with the default
 * flags: they share one candidate and one freshness entry instead of holding millions
 * of equal ones. A WeakMap: bounded by the routes alive.
 */
interface RouteMemo {
  readonly path: PathKey
  candidate: PathCandidate | undefined
  fresh: FreshnessEntry | undefined
  /** A verifier that accepted the route's origin signature. */
  verifiedBy: Verifier | undefined
}

const memos = new WeakMap<Route, RouteMemo>()

function memoOf (route: Route): RouteMemo {
  let m = memos.get(route)
  if (m === undefined) {
    m = { path: pathKeyOf(route), candidate: undefined, fresh: undefined, verifiedBy: undefined }
    memos.set(route, m)
  }
  return m
}

/** The candidate of a received copy with the default flags: usable, fresh, local preference 100. */
function plainCandidate (memo: RouteMemo, route: Route, fromPeer: string): PathCandidate {
  const hit = memo.candidate
  if (hit !== undefined && hit.fromPeer === fromPeer) return hit
  const c: PathCandidate = { route, path: memo.path, fromPeer, localPref: DEFAULT_LOCAL_PREF, usable: true, stale: false, suppressed: false }
  memo.candidate = c
  return c
}

function freshnessEntry (memo: RouteMemo, route: Route, atMs: number, peer: string): FreshnessEntry {
  const hit = memo.fresh
  if (hit !== undefined && hit.atMs === atMs && hit.peer === peer && hit.originatedAtMs === route.attrs.originatedAtMs) return hit
  const e: FreshnessEntry = { atMs, peer, path: memo.path, originatedAtMs: route.attrs.originatedAtMs }
  memo.fresh = e
  return e
}

type Flags = Pick<PathCandidate, 'usable' | 'stale' | 'suppressed'>

/** Local flags of a received route now: damping, freshness, graceful-restart staleness. */
function flagsOf (st: SpeakerState, n: NeighborState, route: Route): Flags | 'expired' {
  const path = pathKeyOf(route)
  const fresh = freshnessState(route.attrs.originatedAtMs, st.nowMs, st.init.freshness)
  if (fresh === 'expired') return 'expired'
  const suppressed = isDamped(st, n.config.peerId, path)
  return { usable: !suppressed, stale: fresh === 'stale' || n.adjIn.isStale(path), suppressed }
}

function isDamped (st: SpeakerState, peer: string, path: PathKey): boolean {
  // No history at all (the common case): no key string to build.
  if (st.damping.size === 0) return false
  const d = st.damping.get(dampingKey(peer, path))
  return d !== undefined && isSuppressed(d.state, st.nowMs, st.init.damping)
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

function removeReceived (st: SpeakerState, n: NeighborState, route: Route): void {
  const path = pathKeyOf(route)
  n.adjIn.delete(path)
  st.locRib.delete(route.attrs.capability, path, n.config.peerId)
}

/** Damping on an announce from the origin's own session (RFC 2439 §4.4). */
function dampAnnounce (st: SpeakerState, peer: string, prev: Route | undefined, route: Route, path: PathKey): void {
  let event: DampingEvent | undefined
  if (prev !== undefined) {
    // The same advertisement again (e.g. re-sent after a restart) is not an event.
    if (prev.attrs.originSeq !== route.attrs.originSeq) event = classifyChange(prev.attrs, route.attrs, st.init.damping.hysteresis)
  } else if (st.damping.has(dampingKey(peer, path))) {
    event = 'readvertise'
  }
  // A refresh of a path with no history adds nothing: do not allocate history for it.
  if (event === undefined || (event === 'refresh' && !st.damping.has(dampingKey(peer, path)))) return
  damp(st, peer, path, route.attrs.capability, event)
}

function damp (st: SpeakerState, peer: string, path: PathKey, capability: string, event: DampingEvent): void {
  const key = dampingKey(peer, path)
  const params = st.init.damping
  const before = st.damping.get(key)
  const wasSuppressed = before !== undefined && isSuppressed(before.state, st.nowMs, params)
  const state = applyDampingEvent(before?.state, event, st.nowMs, params)
  if (event !== 'withdraw' && isForgettable(state, st.nowMs, params)) {
    st.damping.delete(key)
  } else {
    st.damping.set(key, { capability, state })
    if (st.damping.size > MAX_DAMPING_ENTRIES) sweepDamping(st)
  }
  const suppressed = isSuppressed(state, st.nowMs, params)
  const id = timerIds.reuse(peer, path)
  if (suppressed) {
    if (!wasSuppressed) audit(st, { kind: 'route-suppressed', peer, capability, ...splitPathKey(path), detail: `penalty ${Math.round(state.penalty)}` })
    const at = reuseAtMs(state, params)
    if (at !== undefined) setTimer(st, id, at)
  } else if (wasSuppressed) {
    clearTimer(st, id)
  }
}

/** The reuse timer of a damped path: usable again once its penalty decayed to `reuse`. */
export function onReuseTimer (st: SpeakerState, peer: string, path: PathKey): void {
  const entry = st.damping.get(dampingKey(peer, path))
  if (entry === undefined) return
  const params = st.init.damping
  if (isSuppressed(entry.state, st.nowMs, params)) {
    const at = reuseAtMs(entry.state, params)
    if (at !== undefined) setTimer(st, timerIds.reuse(peer, path), at)
    return
  }
  audit(st, { kind: 'route-reused', peer, capability: entry.capability, ...splitPathKey(path) })
  const n = st.neighbors.get(peer)
  if (n !== undefined) refreshFlags(st, n, path)
}

/** Keeps the damping map bounded: forgettable histories go first, then the oldest unsuppressed. */
export function sweepDamping (st: SpeakerState): void {
  const params = st.init.damping
  for (const [key, entry] of st.damping) {
    if (isForgettable(entry.state, st.nowMs, params)) st.damping.delete(key)
  }
  for (const [key, entry] of st.damping) {
    if (st.damping.size <= MAX_DAMPING_ENTRIES) break
    if (!isSuppressed(entry.state, st.nowMs, params)) st.damping.delete(key)
  }
}

/** Graceful restart (RFC 4724 §4.2): keep the neighbor's routes, marked stale, until END_OF_RIB or the timer. */
export function keepStale (st: SpeakerState, n: NeighborState): void {
  n.adjIn.markAllStale()
  for (const path of [...n.adjIn.entries()].map(([k]) => k)) refreshFlags(st, n, path)
  setTimer(st, timerIds.gr(n.config.peerId), st.nowMs + st.init.restartTimeS * 1000)
}

/** Removes what the neighbor did not re-send since it came back. */
export function flushStale (st: SpeakerState, n: NeighborState): void {
  clearTimer(st, timerIds.gr(n.config.peerId))
  if (n.adjIn.staleCount === 0) return
  for (const route of n.adjIn.flushStale()) {
    st.locRib.delete(route.attrs.capability, pathKeyOf(route), n.config.peerId)
    audit(st, { kind: 'route-withdrawn', peer: n.config.peerId, capability: route.attrs.capability, org: route.attrs.originOrg, agent: route.attrs.agentId, detail: 'graceful-restart: not re-sent' })
  }
}

export function dropAll (st: SpeakerState, n: NeighborState): void {
  clearTimer(st, timerIds.gr(n.config.peerId))
  for (const route of n.adjIn.clear()) st.locRib.delete(route.attrs.capability, pathKeyOf(route), n.config.peerId)
}

/** Snapshot restore: the neighbor's last routes come back stale until its END_OF_RIB or the restart timer. */
export function restoreRoutes (st: SpeakerState, n: NeighborState, routes: readonly Route[]): void {
  for (const route of routes) {
    if (importLoop(st, route) !== undefined) continue
    try {
      n.adjIn.set(route)
    } catch (err) {
      if (err instanceof LimitExceededError) break
      throw err
    }
    admit(st, n, route, memoOf(route), true)
  }
  if (n.adjIn.size > 0) keepStale(st, n)
}
