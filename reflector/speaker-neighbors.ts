/**
 * A live change of the neighbor list (a config reload): neighbors that left the list
 * are shut down and forgotten, new ones are started, one whose settings changed
 * (org, role, max routes) is reset as a removal then an addition; every other session
 * is left exactly as it was (BIRD's `configure` restarts only the protocols whose
 * configuration changed).
 *
 * A removed neighbor gets NOTIFICATION Cease/Peer De-configured (RFC 4486 §4), a
 * changed one Cease/Other Configuration Change; either way its routes leave the
 * Loc-RIB at once (no graceful restart: the neighbor is not coming back as it was),
 * and its timers and damping history go with it.
 */
import { CeaseSubcode } from '../agp/index.ts'
import { InvalidArgumentError } from '../kernel/index.ts'
import { dropAll } from './speaker-graceful-restart.ts'
import { dropDeferredRefresh } from './speaker-refresh.ts'
import { newSession, stepNeighbor } from './speaker-sessions.ts'
import { clearTimer, newNeighborState, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'
import type { NeighborConfig } from './types.ts'

/** The session timers a neighbor may have armed (agp/session). */
const SESSION_TIMERS = ['hold', 'keepalive', 'connect-retry'] as const

export function setNeighbors (st: SpeakerState, next: readonly NeighborConfig[]): void {
  const seen = new Set<string>()
  for (const n of next) {
    if (seen.has(n.peerId)) throw new InvalidArgumentError(`invalid neighbor list: neighbor ${n.peerId} is configured twice`)
    seen.add(n.peerId)
  }
  const wanted = new Map(next.map((n) => [n.peerId, n]))
  for (const n of [...st.neighbors.values()]) {
    const config = wanted.get(n.config.peerId)
    if (config === undefined) removeNeighbor(st, n, CeaseSubcode.PeerDeconfigured, 'neighbor removed from the config')
    else if (!sameNeighbor(n.config, config)) removeNeighbor(st, n, CeaseSubcode.OtherConfigurationChange, 'neighbor settings changed')
  }
  st.init = { ...st.init, neighbors: next }
  for (const config of next) {
    if (st.neighbors.has(config.peerId)) continue
    const n = newNeighborState(st.init, st.adjRibOuts, config, newSession(st.init, st.peerId, config))
    st.neighbors.set(config.peerId, n)
    if (st.started) stepNeighbor(st, n, { type: 'start' })
  }
}

function removeNeighbor (st: SpeakerState, n: NeighborState, subcode: CeaseSubcode, text: string): void {
  const peer = n.config.peerId
  n.dropOnDown = true
  stepNeighbor(st, n, { type: 'stop', subcode, text })
  // A session that was not established may still hold routes kept across a restart.
  dropAll(st, n)
  dropDeferredRefresh(st, n)
  clearTimer(st, timerIds.mrai(peer))
  const reusePrefix = timerIds.reuse(peer, '')
  for (const id of [...st.timers.keys()]) if (id.startsWith(reusePrefix)) clearTimer(st, id)
  for (const t of SESSION_TIMERS) st.effects.push({ type: 'clear-timer', id: timerIds.session(t, peer) })
  const dampingPrefix = `${peer}|`
  for (const key of [...st.damping.keys()]) if (key.startsWith(dampingPrefix)) st.damping.delete(key)
  st.interestIndex.delete(peer)
  st.toFlush.delete(peer)
  st.adjRibOuts.release(n.adjOut)
  st.neighbors.delete(peer)
}

function sameNeighbor (a: NeighborConfig, b: NeighborConfig): boolean {
  return a.org === b.org && a.role === b.role && a.maxRoutes === b.maxRoutes
}
