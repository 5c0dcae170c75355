/**
 * Timer dispatch. Ids are stable strings the driver hands back:
 *   hold:<peer> keepalive:<peer> connect-retry:<peer>   session timers (agp/session)
 *   mrai:<peer>             MRAI flush of one neighbor
 *   route-refresh:<peer>    serve the ROUTE_REFRESH frames coalesced while paced
 *   gr:<peer>               graceful-restart flush of a neighbor's stale routes
 *   reuse:<peer>:<pathKey>  end of a damping suppression
 *   refresh                 re-originate local agents (freshness.refreshS), a slice per fire
 *   freshness               next stale/expired transitions of received routes, a slice per fire
 * A fire for a timer that is not armed (late, or replaced) is ignored.
 */
import { freshnessState, nextFreshnessChangeMs, stampOf } from '../agp/index.ts'
import type { SessionTimer } from '../agp/index.ts'
import { onMraiTimer } from './speaker-export.ts'
import { expire, refreshFlags } from './speaker-admission.ts'
import { onReuseTimer, sweepDamping } from './speaker-damping.ts'
import { flushStale } from './speaker-graceful-restart.ts'
import { refreshAgents } from './speaker-origination.ts'
import { onRouteRefreshTimer } from './speaker-refresh.ts'
import { stepNeighbor } from './speaker-sessions.ts'
import { clearTimer, parseTimerId, setTimer, timerIds, type SpeakerState } from './speaker-state.ts'
import type { TimerId } from './types.ts'

const SESSION_TIMERS: ReadonlySet<string> = new Set<SessionTimer>(['hold', 'keepalive', 'connect-retry'])

export function onTimer (st: SpeakerState, id: TimerId): void {
  const { kind, rest } = parseTimerId(id)
  if (SESSION_TIMERS.has(kind)) {
    const n = st.neighbors.get(rest)
    if (n !== undefined) stepNeighbor(st, n, { type: 'timer', timer: kind as SessionTimer })
    return
  }
  if (!take(st, id)) return
  switch (kind) {
    case 'mrai': {
      const n = st.neighbors.get(rest)
      if (n !== undefined) onMraiTimer(st, n)
      return
    }
    case 'route-refresh': {
      const n = st.neighbors.get(rest)
      if (n !== undefined) onRouteRefreshTimer(st, n)
      return
    }
    case 'gr': {
      const n = st.neighbors.get(rest)
      if (n !== undefined) flushStale(st, n)
      return
    }
    case 'reuse': {
      const j = rest.lastIndexOf(':')
      if (j <= 0) return
      const peer = rest.slice(0, j)
      const path = rest.slice(j + 1)
      if (!onReuseTimer(st, peer, path)) return
      const n = st.neighbors.get(peer)
      if (n !== undefined) refreshFlags(st, n, path)
      return
    }
    case 'refresh':
      // The damping sweep runs once per refresh period, after the first slice.
      if (refreshAgents(st)) sweepDamping(st)
      return
    case 'freshness':
      onFreshnessTimer(st)
  }
}

/** True (and disarmed) when the timer is armed and due. */
function take (st: SpeakerState, id: TimerId): boolean {
  const at = st.timers.get(id)
  if (at === undefined || at > st.nowMs) return false
  st.timers.delete(id)
  return true
}

/**
 * Due freshness entries handled per fire of the `freshness` timer. The routes of one
 * origination batch come due together: at a million routes, one bucket of them in one
 * call would hold the event loop for seconds. What is left stays due, so handle()'s
 * armFreshness re-arms the timer at once and the driver serves its I/O in between.
 */
export const FRESHNESS_SLICE_ENTRIES = 4096

function onFreshnessTimer (st: SpeakerState): void {
  for (let handled = 0; handled < FRESHNESS_SLICE_ENTRIES; handled++) {
    const top = st.freshness.peek()
    if (top === undefined || top.atMs > st.nowMs) break
    st.freshness.pop()
    const n = st.neighbors.get(top.peer)
    const route = n?.adjIn.get(top.path)
    if (n === undefined || route === undefined || stampOf(route) !== top.stampMs) continue
    if (freshnessState(top.stampMs, st.nowMs, st.init.freshness) === 'expired') {
      expire(st, n, route)
      continue
    }
    refreshFlags(st, n, top.path)
    const next = nextFreshnessChangeMs(top.stampMs, st.nowMs, st.init.freshness)
    if (next !== undefined) st.freshness.push({ ...top, atMs: next })
  }
}

/** Arms the `freshness` timer at the earliest live transition (buckets of outdated entries dropped first). */
export function armFreshness (st: SpeakerState): void {
  const atMs = st.freshness.nextLiveAtMs((peer, path, stamp) => {
    const route = st.neighbors.get(peer)?.adjIn.get(path)
    return route !== undefined && stampOf(route) === stamp
  })
  if (atMs === undefined) clearTimer(st, timerIds.freshness)
  else setTimer(st, timerIds.freshness, atMs)
}
