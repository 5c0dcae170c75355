/**
 * Graceful restart (RFC 4724): a neighbor's routes outlive its session, marked stale,
 * until its END_OF_RIB or the restart timer; a snapshot restore brings them back the
 * same way; a live neighbor's withdrawal ends the copies kept only for a restart.
 */
import { type PathKey, pathKeyOf, type Route } from '../agp/index.ts'
import { LimitExceededError } from '../kernel/index.ts'
import { admit, importLoop, refreshFlags, removeReceived } from './speaker-admission.ts'
import { memoOf } from './route-memo.ts'
import { audit, clearTimer, setTimer, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'

/**
 * A live neighbor's withdrawal also ends the copies of that path kept only to ride out
 * another neighbor's restart (stale in its Adj-RIB-In, RFC 4724 §4.2): "gone" from a
 * live session is newer than anything a retained copy says. Without this, a withdrawn
 * agent stayed resolvable — and was re-advertised by a surviving reflector — until
 * restartTimeS. Copies from live sessions are left alone: those neighbors speak for
 * themselves.
 */
export function dropRestartCopies (st: SpeakerState, from: NeighborState, capability: string, path: PathKey): void {
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
