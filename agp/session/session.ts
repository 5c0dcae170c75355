/**
 * The per-neighbor session state machine, pure (RFC 4271 §8's shape):
 *
 *   stepSession(session, event, nowMs, random) → { session, effects }
 *
 * idle → connect (dial) → open-sent (OPEN sent) → open-confirm (peer's OPEN accepted,
 * KEEPALIVE sent) → established (peer's KEEPALIVE). Any error sends a NOTIFICATION,
 * closes, goes back to idle and, unless stopped, schedules a reconnect with backoff.
 * The full table is in docs/protocol.md.
 *
 * The session records the deadline of every timer it armed, exactly mirroring what
 * the driver scheduled: a timer event for a timer that is not armed (a late fire after
 * a clear) is ignored. The hold timer is re-armed lazily: frames only move lastRecvMs,
 * and an expiry before lastRecvMs + hold re-arms instead of failing, so a busy session
 * does not emit one set-timer per frame.
 */
import { CeaseSubcode, NotificationCode, type Frame, type NotificationFrame } from '../codec/frame.ts'
import { InvalidArgumentError } from '../../kernel/index.ts'
import type { Random } from '../../kernel/index.ts'
import { DEFAULT_BACKOFF_QUIET_MS, DEFAULT_BASE_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS } from '../params.ts'
import { backoffDelayMs } from './backoff.ts'
import { MIN_HOLD_TIME_S, checkPeerOpen, negotiateHoldMs } from './open-check.ts'
import type { BadFrameError, ResolvedSessionConfig, Session, SessionConfig, SessionEffect, SessionEvent, SessionStep, SessionTimer } from './types.ts'

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Hold time while waiting for the neighbor's OPEN when ours is 0 (RFC 4271 §8.2.2 suggests 4 min). */
export const OPEN_HOLD_MS = 240_000

/** FSM error subcodes (RFC 6608): an unexpected message in the given state. */
export const FsmSubcode = { UnexpectedInOpenSent: 1, UnexpectedInOpenConfirm: 2, UnexpectedInEstablished: 3 } as const

export function createSession (config: SessionConfig): Session {
  const holdTimeS = config.holdTimeS ?? config.localOpen.holdTimeS
  if (!Number.isInteger(holdTimeS) || holdTimeS < 0 || (holdTimeS > 0 && holdTimeS < MIN_HOLD_TIME_S)) {
    throw new InvalidArgumentError(`holdTimeS must be 0 or an integer >= ${MIN_HOLD_TIME_S}, got ${holdTimeS}`)
  }
  const resolved: ResolvedSessionConfig = {
    peerId: config.peerId,
    localPeerId: config.localPeerId,
    expectedOrg: config.expectedOrg,
    expectedRole: config.expectedRole,
    localOpen: { ...config.localOpen, holdTimeS },
    holdTimeS,
    passive: config.passive ?? false,
    maxBackoffMs: positive(config.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, 'maxBackoffMs'),
    baseBackoffMs: positive(config.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS, 'baseBackoffMs'),
    backoffQuietMs: positive(config.backoffQuietMs ?? DEFAULT_BACKOFF_QUIET_MS, 'backoffQuietMs'),
    connectTimeoutMs: positive(config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs')
  }
  return {
    config: resolved,
    state: 'idle',
    stopped: true,
    attempt: 0,
    timers: {},
    holdMs: 0,
    lastRecvMs: 0,
    establishedAtMs: undefined,
    peerOpen: undefined,
    outbound: undefined,
    lastError: undefined
  }
}

function positive (v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got ${v}`)
  return v
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type WorkingSession = Omit<Mutable<Session>, 'timers'> & { timers: Partial<Record<SessionTimer, number>> }

/** One step's working copy: effects are appended in the order the driver must run them. */
class Step {
  readonly s: WorkingSession
  readonly effects: SessionEffect[] = []
  constructor (session: Session, readonly nowMs: number, readonly random: Random) {
    this.s = { ...session, timers: { ...session.timers } }
  }

  arm (timer: SessionTimer, atMs: number): void {
    this.s.timers[timer] = atMs
    this.effects.push({ type: 'set-timer', timer, atMs })
  }

  disarm (timer: SessionTimer): void {
    if (this.s.timers[timer] === undefined) return
    delete this.s.timers[timer]
    this.effects.push({ type: 'clear-timer', timer })
  }

  send (frame: Frame): void {
    this.effects.push({ type: 'send', frame })
  }

  get hasTransport (): boolean {
    const st = this.s.state
    return st === 'open-sent' || st === 'open-confirm' || st === 'established'
  }

  /** Transport is up (ours or theirs): send OPEN and wait for the neighbor's. */
  openSent (outbound: boolean): void {
    const c = this.s.config
    this.disarm('connect-retry')
    this.disarm('keepalive')
    this.s.state = 'open-sent'
    this.s.outbound = outbound
    this.s.peerOpen = undefined
    this.s.holdMs = c.holdTimeS > 0 ? c.holdTimeS * 1000 : OPEN_HOLD_MS
    this.s.lastRecvMs = this.nowMs
    this.send(c.localOpen)
    this.arm('hold', this.nowMs + this.s.holdMs)
  }

  dial (): void {
    this.s.state = 'connect'
    this.effects.push({ type: 'dial' })
    this.arm('connect-retry', this.nowMs + this.s.config.connectTimeoutMs)
  }

  /** Leaves any state for idle: optional NOTIFICATION, optional close, down, and a retry unless stopped. */
  down (reason: string, opts: { notify?: NotificationFrame, close?: boolean } = {}): void {
    const s = this.s
    if (s.state === 'idle') return
    const wasEstablished = s.state === 'established'
    if (opts.notify !== undefined) this.send(opts.notify)
    if (opts.close === true) this.effects.push({ type: 'close' })
    this.disarm('hold')
    this.disarm('keepalive')
    this.disarm('connect-retry')
    // A session that stayed up through the quiet period has proven the neighbor
    // healthy: forget earlier failures, so the next retry is fast again.
    if (wasEstablished && s.establishedAtMs !== undefined && this.nowMs - s.establishedAtMs >= s.config.backoffQuietMs) s.attempt = 0
    s.state = 'idle'
    s.outbound = undefined
    s.peerOpen = undefined
    s.establishedAtMs = undefined
    s.holdMs = 0
    s.lastError = reason
    this.effects.push({ type: 'down', reason, wasEstablished })
    if (s.stopped || s.config.passive) return
    const delay = backoffDelayMs(s.attempt, s.config.baseBackoffMs, s.config.maxBackoffMs, this.random)
    s.attempt = Math.min(s.attempt + 1, 64)
    this.arm('connect-retry', this.nowMs + delay)
  }

  fail (code: NotificationCode, subcode: number, text: string): void {
    this.down(text, { notify: notification(code, subcode, text), close: true })
  }

  done (): SessionStep {
    return { session: this.s, effects: this.effects }
  }
}

function notification (code: NotificationCode, subcode: number, text: string): NotificationFrame {
  return { type: 'notification', code, subcode, text: text.slice(0, 1024) }
}

export function stepSession (session: Session, event: SessionEvent, nowMs: number, random: Random): SessionStep {
  const step = new Step(session, nowMs, random)
  switch (event.type) {
    case 'start': onStart(step); break
    case 'transport-up': onTransportUp(step, event.outbound); break
    case 'transport-down': if (step.s.state !== 'idle') step.down(event.reason); break
    case 'frame': onFrame(step, event.frame); break
    case 'bad-frame': onBadFrame(step, event.error); break
    case 'timer': onTimer(step, event.timer); break
    case 'stop': onStop(step, event.subcode, event.text); break
    case 'fail': if (step.hasTransport) step.fail(event.code, event.subcode, event.text); break
  }
  return step.done()
}

function onStart (step: Step): void {
  const s = step.s
  if (s.state !== 'idle') return
  s.stopped = false
  if (s.config.passive) return
  step.dial()
}

function onTransportUp (step: Step, outbound: boolean): void {
  const s = step.s
  if (s.state === 'idle' && s.stopped) {
    // Stopped: refuse the neighbor's connection with a reason it can log.
    step.send(notification(NotificationCode.Cease, CeaseSubcode.ConnectionRejected, 'session is administratively down'))
    step.effects.push({ type: 'close' })
    return
  }
  if (s.state === 'idle' || s.state === 'connect') {
    step.openSent(outbound)
    return
  }
  // RFC 4271 §6.8 with peer ids for BGP ids: keep the connection opened by the side
  // with the higher id; an established session always wins over a newcomer.
  const local = s.config.localPeerId
  const keepNew = s.state !== 'established' && local !== undefined && s.outbound !== outbound &&
    (outbound ? local > s.config.peerId : s.config.peerId > local)
  step.effects.push({ type: 'collision', keep: keepNew ? 'new' : 'existing' })
  if (keepNew) step.openSent(outbound)
}

function onFrame (step: Step, frame: Frame): void {
  const s = step.s
  if (!step.hasTransport) return // a late frame from a transport already gone
  s.lastRecvMs = step.nowMs
  if (frame.type === 'notification') {
    step.down(`notification from peer: code ${frame.code} subcode ${frame.subcode}${frame.text === '' ? '' : `: ${frame.text}`}`, { close: true })
    return
  }
  if (s.state === 'open-sent') {
    if (frame.type !== 'open') return unexpected(step, frame, FsmSubcode.UnexpectedInOpenSent)
    const rejection = checkPeerOpen(frame, s.config.expectedOrg, s.config.expectedRole, s.config.localOpen.site)
    if (rejection !== undefined) return step.fail(rejection.code, rejection.subcode, rejection.text)
    s.peerOpen = frame
    s.holdMs = negotiateHoldMs(s.config.holdTimeS, frame.holdTimeS)
    s.state = 'open-confirm'
    step.send({ type: 'keepalive' })
    if (s.holdMs > 0) {
      step.arm('hold', step.nowMs + s.holdMs)
      step.arm('keepalive', step.nowMs + keepaliveIntervalMs(s.holdMs))
    } else {
      step.disarm('hold')
    }
    return
  }
  if (s.state === 'open-confirm') {
    if (frame.type !== 'keepalive') return unexpected(step, frame, FsmSubcode.UnexpectedInOpenConfirm)
    s.state = 'established'
    s.establishedAtMs = step.nowMs
    s.lastError = undefined
    step.effects.push({ type: 'established', peerOpen: s.peerOpen as NonNullable<Session['peerOpen']> })
    return
  }
  // established
  if (frame.type === 'keepalive') return
  if (frame.type === 'open') return unexpected(step, frame, FsmSubcode.UnexpectedInEstablished)
  step.effects.push({ type: 'deliver', frame })
}

function unexpected (step: Step, frame: Frame, subcode: number): void {
  step.fail(NotificationCode.FsmError, subcode, `unexpected ${frame.type} in ${step.s.state}`)
}

/** RFC 4271 §10: keepalives at a third of the hold time. */
export function keepaliveIntervalMs (holdMs: number): number {
  return Math.max(1, Math.floor(holdMs / 3))
}

function onBadFrame (step: Step, error: BadFrameError): void {
  if (!step.hasTransport) return
  if (typeof error === 'string') return step.fail(NotificationCode.MessageHeaderError, 1, error)
  step.fail(error.notificationCode, error.subcode, error.message)
}

function onTimer (step: Step, timer: SessionTimer): void {
  const s = step.s
  const deadline = s.timers[timer]
  if (deadline === undefined) return // fired after being cleared or replaced: stale
  delete s.timers[timer] // fired: the driver no longer holds it
  if (timer === 'hold') {
    const dueMs = s.lastRecvMs + s.holdMs
    if (s.holdMs > 0 && step.nowMs < dueMs) return step.arm('hold', dueMs)
    return step.fail(NotificationCode.HoldTimerExpired, 0, `hold timer expired (${s.holdMs} ms without a frame)`)
  }
  if (timer === 'keepalive') {
    if ((s.state === 'open-confirm' || s.state === 'established') && s.holdMs > 0) {
      step.send({ type: 'keepalive' })
      step.arm('keepalive', step.nowMs + keepaliveIntervalMs(s.holdMs))
    }
    return
  }
  // connect-retry: in idle it is the backoff ending; in connect, the dial timing out.
  if (s.state === 'idle') {
    if (!s.stopped && !s.config.passive) step.dial()
    return
  }
  if (s.state === 'connect') step.down('connect timed out', { close: true })
}

function onStop (step: Step, subcode: number | undefined, text: string | undefined): void {
  const s = step.s
  s.stopped = true
  if (step.hasTransport) {
    step.down(text ?? 'stopped', {
      notify: notification(NotificationCode.Cease, subcode ?? CeaseSubcode.AdministrativeShutdown, text ?? ''),
      close: true
    })
  } else if (s.state === 'connect') {
    step.down(text ?? 'stopped', { close: true })
  }
  step.disarm('connect-retry')
}
