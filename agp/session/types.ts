/**
 * The per-neighbor session state machine's data: config, state, events in, effects
 * out (RFC 4271 §8's shape). See agp/session/session.ts and docs/protocol.md.
 */
import type { FrameDecodeError } from '../codec/errors.ts'
import type { Frame, NeighborRole, NotificationCode, OpenFrame } from '../codec/frame.ts'

/** RFC 4271 §8's states, without Active: a transport is dialed or accepted by the driver. */
export type SessionState = 'idle' | 'connect' | 'open-sent' | 'open-confirm' | 'established'

export type SessionTimer = 'hold' | 'keepalive' | 'connect-retry'

export interface SessionConfig {
  readonly peerId: string
  /** Our own peer id: breaks connection collisions (RFC 4271 §6.8). Without it the existing connection wins. */
  readonly localPeerId?: string
  /** The org the neighbor must name in its OPEN. */
  readonly expectedOrg: string
  /** What the neighbor is to us. */
  readonly expectedRole: NeighborRole
  /** The OPEN we send (its holdTimeS is replaced by `holdTimeS` when that is given). */
  readonly localOpen: OpenFrame
  /** Hold time we propose: 0 (no keepalives) or >= 3. Defaults to localOpen.holdTimeS. */
  readonly holdTimeS?: number
  /** Never dial; only accept the neighbor's connections. */
  readonly passive?: boolean
  /** Reconnect backoff: base × 2^attempt, jittered ±50 %, capped here. Default 30 s. */
  readonly maxBackoffMs?: number
  readonly baseBackoffMs?: number
  /** After the session stayed established this long, earlier failures are forgotten. Default 60 s. */
  readonly backoffQuietMs?: number
  /** How long a dial may take before it is abandoned and retried with backoff. Default 10 s. */
  readonly connectTimeoutMs?: number
}

export interface ResolvedSessionConfig {
  readonly peerId: string
  readonly localPeerId: string | undefined
  readonly expectedOrg: string
  readonly expectedRole: NeighborRole
  readonly localOpen: OpenFrame
  readonly holdTimeS: number
  readonly passive: boolean
  readonly maxBackoffMs: number
  readonly baseBackoffMs: number
  readonly backoffQuietMs: number
  readonly connectTimeoutMs: number
}

export interface Session {
  readonly config: ResolvedSessionConfig
  readonly state: SessionState
  /** Stopped by the operator: no reconnect until the next start. */
  readonly stopped: boolean
  /** Consecutive failures since the last quiet established period (drives backoff). */
  readonly attempt: number
  /** Deadlines of the armed timers: exactly what the driver has scheduled. */
  readonly timers: Readonly<Partial<Record<SessionTimer, number>>>
  /** Negotiated hold time (ms); 0 = no hold timer, no keepalives. Meaningful from open-confirm. */
  readonly holdMs: number
  /** Last time any frame arrived (the hold timer counts from here). */
  readonly lastRecvMs: number
  readonly establishedAtMs: number | undefined
  readonly peerOpen: OpenFrame | undefined
  /** Whether the current transport was dialed by us (undefined without a transport). */
  readonly outbound: boolean | undefined
  readonly lastError: string | undefined
}

/** What the codec or the speaker reports about a bad frame: a FrameDecodeError fits. */
export type BadFrameError = string | Pick<FrameDecodeError, 'notificationCode' | 'subcode' | 'message'>

export type SessionEvent =
  | { readonly type: 'start' }
  | { readonly type: 'transport-up', readonly outbound: boolean }
  | { readonly type: 'transport-down', readonly reason: string }
  | { readonly type: 'frame', readonly frame: Frame }
  | { readonly type: 'bad-frame', readonly error: BadFrameError }
  | { readonly type: 'timer', readonly timer: SessionTimer }
  | { readonly type: 'stop', readonly subcode?: number, readonly text?: string }
  /** The speaker kills the session (e.g. max routes: Cease/MaxPrefixesReached). */
  | { readonly type: 'fail', readonly code: NotificationCode, readonly subcode: number, readonly text: string }

export type SessionEffect =
  | { readonly type: 'send', readonly frame: Frame }
  /** Arms (or re-arms, replacing the old deadline) a timer; the driver answers with a timer event. */
  | { readonly type: 'set-timer', readonly timer: SessionTimer, readonly atMs: number }
  | { readonly type: 'clear-timer', readonly timer: SessionTimer }
  | { readonly type: 'dial' }
  /** Close the current transport (or abandon the dial in progress), after any frame sent just before. */
  | { readonly type: 'close' }
  /**
   * Connection collision (RFC 4271 §6.8): a second transport came up. 'existing':
   * close the new one. 'new': close the old one silently and make the new one current.
   */
  | { readonly type: 'collision', readonly keep: 'existing' | 'new' }
  | { readonly type: 'established', readonly peerOpen: OpenFrame }
  /** The session left a non-idle state. wasEstablished: the speaker must drop or mark stale the peer's routes. */
  | { readonly type: 'down', readonly reason: string, readonly wasEstablished: boolean }
  /** UPDATE, END_OF_RIB or ROUTE_REFRESH for the speaker. */
  | { readonly type: 'deliver', readonly frame: Frame }

export interface SessionStep {
  readonly session: Session
  readonly effects: SessionEffect[]
}
