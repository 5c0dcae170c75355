/**
 * Sessions: one FSM (agp/session) per configured neighbor. Session effects become
 * Speaker effects with the neighbor's peer id (timers as `<timer>:<peer>`), and the
 * session's established / down / deliver effects drive the RIBs.
 */
import type { Frame, NeighborRole, OpenFrame, Session, SessionEvent, SpeakerRole } from '../agp/index.ts'
import { createSession, stepSession } from '../agp/index.ts'
import { pushSend, sendFullTable, settle } from './speaker-export.ts'
import { dropDeferredRefresh, onRouteRefreshFrame } from './speaker-refresh.ts'
import { dropAll, flushStale, keepStale } from './speaker-graceful-restart.ts'
import { importUpdate, maxRoutesFailure } from './speaker-import.ts'
import { audit, clearTimer, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'
import type { NeighborConfig, SpeakerInit } from './types.ts'

/** Optional features we announce in OPEN. */
export const OPEN_CAPABILITIES = Object.freeze(['graceful-restart', 'route-refresh'])

export function newSession (init: SpeakerInit, localPeerId: string, n: NeighborConfig): Session {
  const localOpen: OpenFrame = {
    type: 'open',
    org: init.org,
    site: init.site ?? init.org,
    role: init.role,
    cluster: init.cluster ?? '',
    holdTimeS: init.holdTimeS,
    capabilities: OPEN_CAPABILITIES,
    interests: init.interests
  }
  return createSession({
    peerId: n.peerId,
    localPeerId,
    expectedOrg: n.org,
    expectedRole: n.role,
    localOpen,
    holdTimeS: init.holdTimeS,
    maxBackoffMs: init.maxBackoffMs,
    passive: isPassive(init.role, localPeerId, n.role, n.peerId)
  })
}

/**
 * Who dials: clients dial their reflectors (a reflector waits for its clients); on
 * symmetric sessions (reflector peers, partners) the lower peer id dials. Exactly one
 * side dials, so two of our speakers never collide (RFC 4271 §6.8 is then moot; the
 * FSM still resolves collisions with other implementations).
 */
export function isPassive (_self: SpeakerRole, localPeerId: string, role: NeighborRole, peerId: string): boolean {
  if (role === 'client') return true
  if (role === 'reflector') return false
  return localPeerId > peerId
}

/** Runs one session event and turns its effects into the Speaker's. */
export function stepNeighbor (st: SpeakerState, n: NeighborState, event: SessionEvent): void {
  const peer = n.config.peerId
  const { session, effects } = stepSession(n.session, event, st.nowMs, st.components.random)
  n.session = session
  for (const e of effects) {
    switch (e.type) {
      case 'send': pushSend(st, peer, [e.frame]); break
      case 'set-timer': st.effects.push({ type: 'set-timer', id: timerIds.session(e.timer, peer), atMs: e.atMs }); break
      case 'clear-timer': st.effects.push({ type: 'clear-timer', id: timerIds.session(e.timer, peer) }); break
      case 'dial': st.effects.push({ type: 'dial', peer }); break
      case 'close': st.effects.push({ type: 'close', peer }); break
      // The Speaker's effects cannot name one of two transports: drivers hand the
      // Speaker one transport per neighbor, and isPassive() keeps ours from colliding.
      case 'collision': break
      case 'established': onEstablished(st, n, e.peerOpen); break
      case 'down': onDown(st, n, e.reason, e.wasEstablished); break
      case 'deliver': onDeliver(st, n, e.frame); break
    }
  }
}

function onEstablished (st: SpeakerState, n: NeighborState, open: OpenFrame): void {
  // Changes staged before this neighbor existed go to the others first.
  settle(st)
  n.interests = open.interests
  n.site = open.site
  n.lastError = undefined
  n.establishedAtMs = st.nowMs
  st.interestIndex.set(n.config.peerId, open.interests)
  audit(st, { kind: 'session-up', peer: n.config.peerId, org: n.config.org })
  sendFullTable(st, n)
}

function onDown (st: SpeakerState, n: NeighborState, reason: string, wasEstablished: boolean): void {
  const peer = n.config.peerId
  st.interestIndex.delete(peer)
  n.pending.length = 0
  n.pendingNoop = false
  n.pendingRefreshes.clear()
  n.awaitingDrain = false
  n.endOfRibOwed = false
  n.adjOut.clear()
  dropDeferredRefresh(st, n)
  n.lastError = reason
  n.establishedAtMs = undefined
  if (n.mraiArmed) {
    n.mraiArmed = false
    clearTimer(st, timerIds.mrai(peer))
  }
  if (!wasEstablished) return
  audit(st, { kind: 'session-down', peer, org: n.config.org, detail: reason })
  if (n.dropOnDown || st.init.restartTimeS <= 0) {
    n.dropOnDown = false
    dropAll(st, n)
  } else if (n.adjIn.size > 0) {
    keepStale(st, n)
  }
}

function onDeliver (st: SpeakerState, n: NeighborState, frame: Frame): void {
  switch (frame.type) {
    case 'update':
      if (!importUpdate(st, n, frame)) {
        const f = maxRoutesFailure(n)
        stepNeighbor(st, n, { type: 'fail', code: f.code, subcode: f.subcode, text: f.text })
      }
      break
    case 'end-of-rib':
      flushStale(st, n)
      break
    case 'route-refresh':
      onRouteRefreshFrame(st, n, frame)
      break
    default:
      break
  }
}
