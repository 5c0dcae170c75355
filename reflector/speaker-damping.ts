/**
 * Damping bookkeeping (RFC 2439): the penalty history per (neighbor, path), applied
 * only on the origin's own session, the reuse timer of a suppressed path, and the
 * bound on the history map. The penalty arithmetic itself is agp/'s.
 */
import {
  applyDampingEvent, classifyChange, type DampingEvent, isForgettable, isSuppressed, type PathKey, reuseAtMs, type Route, splitPathKey
} from '../agp/index.ts'
import { audit, clearTimer, dampingKey, MAX_DAMPING_ENTRIES, setTimer, timerIds, type SpeakerState } from './speaker-state.ts'

export function isDamped (st: SpeakerState, peer: string, path: PathKey): boolean {
  // No history at all (the common case): no key string to build.
  if (st.damping.size === 0) return false
  const d = st.damping.get(dampingKey(peer, path))
  return d !== undefined && isSuppressed(d.state, st.nowMs, st.init.damping)
}

/** Damping on an announce from the origin's own session (RFC 2439 §4.4). */
export function dampAnnounce (st: SpeakerState, peer: string, prev: Route | undefined, route: Route, path: PathKey): void {
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

export function damp (st: SpeakerState, peer: string, path: PathKey, capability: string, event: DampingEvent): void {
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
/**
 * The reuse timer of a damped path: usable again once its penalty decayed to `reuse`.
 * True when the path is usable again: the caller re-evaluates the held route's flags.
 */
export function onReuseTimer (st: SpeakerState, peer: string, path: PathKey): boolean {
  const entry = st.damping.get(dampingKey(peer, path))
  if (entry === undefined) return false
  const params = st.init.damping
  if (isSuppressed(entry.state, st.nowMs, params)) {
    const at = reuseAtMs(entry.state, params)
    if (at !== undefined) setTimer(st, timerIds.reuse(peer, path), at)
    return false
  }
  audit(st, { kind: 'route-reused', peer, capability: entry.capability, ...splitPathKey(path) })
  return true
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
