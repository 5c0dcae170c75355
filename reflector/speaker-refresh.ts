/**
 * ROUTE_REFRESH pacing. RFC 2918 lets a neighbor ask for our Adj-RIB-Out again and sets
 * no bound on how often; serving one walks the whole Loc-RIB for that neighbor, so a
 * neighbor sending them in a loop would have us re-send the table in a loop (a few
 * hundred bytes in, the whole table out, every time).
 *
 * A session's refreshes are served at most once per `limits.routeRefreshIntervalMs`.
 * Those that arrive sooner are coalesced — the latest interests win, a plain refresh is
 * remembered — and served once, when the interval ends. A session that goes down drops
 * what was deferred: the next session starts with the full table anyway.
 */
import type { RouteRefreshFrame } from '../agp/index.ts'
import { onRouteRefresh, settle } from './speaker-export.ts'
import { clearTimer, setTimer, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'
import { DEFAULT_ROUTE_REFRESH_INTERVAL_MS } from './types.ts'

export function onRouteRefreshFrame (st: SpeakerState, n: NeighborState, frame: RouteRefreshFrame): void {
  const dueMs = n.lastRefreshServedMs + (st.init.limits.routeRefreshIntervalMs ?? DEFAULT_ROUTE_REFRESH_INTERVAL_MS)
  if (n.deferredRefresh === undefined && st.nowMs >= dueMs) {
    n.lastRefreshServedMs = st.nowMs
    settle(st)
    onRouteRefresh(st, n, frame)
    return
  }
  st.counters.routeRefreshCoalesced++
  const deferred = n.deferredRefresh ??= { interests: undefined, full: false }
  if (frame.interests !== undefined) deferred.interests = frame.interests
  else deferred.full = true
  setTimer(st, timerIds.routeRefresh(n.config.peerId), dueMs)
}

/** The pacing interval ended: serve what was coalesced (if the session is still up). */
export function onRouteRefreshTimer (st: SpeakerState, n: NeighborState): void {
  const deferred = n.deferredRefresh
  n.deferredRefresh = undefined
  if (deferred === undefined || n.session.state !== 'established') return
  n.lastRefreshServedMs = st.nowMs
  settle(st)
  if (deferred.interests !== undefined) onRouteRefresh(st, n, { type: 'route-refresh', interests: deferred.interests })
  // New interests re-send what they touch; a plain refresh on top asks for everything.
  if (deferred.full) onRouteRefresh(st, n, { type: 'route-refresh' })
}

/** The session went down: nothing deferred for it is served to the next one. */
export function dropDeferredRefresh (st: SpeakerState, n: NeighborState): void {
  n.deferredRefresh = undefined
  n.lastRefreshServedMs = -Infinity
  clearTimer(st, timerIds.routeRefresh(n.config.peerId))
}
