/**
 * Route flap damping, RFC 2439, with RFC 7196's thresholds as defaults
 * (DEFAULT_DAMPING in agp/params.ts). Pure functions of (state, event, nowMs, params);
 * the caller keeps one DampingState per (peer, path) where the path enters the
 * federation from its origin (see docs/damping.md, "Where damping applies").
 *
 * Decisions this module makes (docs/damping.md has the worked numbers):
 * - Suppression is decided at EVERY penalized event, the withdrawal included, on the
 *   penalty right after the event's increment (RFC 2439's processing, as FRR does). A route withdrawn
 *   with a penalty at or above `suppress` is suppressed while withdrawn, and comes back
 *   suppressed on re-advertisement unless its penalty has meanwhile decayed to `reuse`.
 * - Suppress and reuse form a hysteresis: suppressed when the penalty reaches
 *   `suppress` (≥), usable again only once it has decayed to `reuse` (≤).
 * - The penalty is capped at the RFC 2439 ceiling reuse · 2^(maxSuppressS / halfLifeS),
 *   so a route that stops flapping is reusable at most maxSuppressS after its last event.
 */
import type { DampingParams } from '../params.ts'

/** Damping history of one path. Plain JSON: the daemon persists it as is. */
export interface DampingState {
  /** Figure of merit at `updatedAtMs` (before decay since then). */
  readonly penalty: number
  readonly updatedAtMs: number
  /** Suppressed as of the last event; use isSuppressed() for "now" (reuse may have passed). */
  readonly suppressed: boolean
  /** When the current (or last) suppression began; absent if never suppressed. */
  readonly suppressedAtMs?: number
  /** Highest penalty ever reached (after the ceiling): reports and the simulator's checkers. */
  readonly maxPenalty: number
  /** Penalized events seen: withdrawals and attribute changes. */
  readonly flaps: number
}

/**
 * - withdraw: the origin withdrew the path (or its session dropped it).
 * - change: an attribute change outside the hysteresis band (see classifyChange).
 * - readvertise: announced again after a withdrawal.
 * - refresh: re-announced with changes inside the band; adds no penalty.
 */
export type DampingEvent = 'withdraw' | 'change' | 'readvertise' | 'refresh'

const EMPTY_STATE = (nowMs: number): DampingState => ({ penalty: 0, updatedAtMs: nowMs, suppressed: false, maxPenalty: 0, flaps: 0 })

/** RFC 2439 §4.2 max-penalty: the penalty from which decay reaches `reuse` in exactly maxSuppressS. */
export function penaltyCeiling (params: DampingParams): number {
  return params.reuse * 2 ** (params.maxSuppressS / params.halfLifeS)
}

/**
 * Penalty decayed to `nowMs`: penalty · 2^(−Δt / halfLife). A `nowMs` before
 * `updatedAtMs` (a clock that stepped back) decays nothing rather than growing it.
 */
export function decayedPenalty (state: DampingState, nowMs: number, params: DampingParams): number {
  const dtMs = nowMs - state.updatedAtMs
  if (!(dtMs > 0) || state.penalty === 0) return state.penalty
  return state.penalty * 2 ** (-dtMs / (params.halfLifeS * 1000))
}

/** The penalty an event adds. */
export function eventPenalty (event: DampingEvent, params: DampingParams): number {
  switch (event) {
    case 'withdraw': return params.withdrawPenalty
    case 'change': return params.changePenalty
    case 'readvertise': return params.readvertisePenalty
    case 'refresh': return 0
  }
}

/**
 * Applies one event at `nowMs`: decay to now, add the event's penalty, cap at the
 * ceiling, then decide suppression on the resulting penalty. A 'refresh' leaves the
 * penalty untouched (same object when nothing changes, so periodic refreshes do not
 * accumulate rounding) and only clears a suppression whose reuse time has passed.
 */
export function applyDampingEvent (state: DampingState | undefined, event: DampingEvent, nowMs: number, params: DampingParams): DampingState {
  const prev = state ?? EMPTY_STATE(nowMs)
  const wasSuppressed = isSuppressed(prev, nowMs, params)
  const add = eventPenalty(event, params)
  if (event === 'refresh') return wasSuppressed === prev.suppressed ? prev : { ...prev, suppressed: wasSuppressed }
  const penalty = Math.min(decayedPenalty(prev, nowMs, params) + add, penaltyCeiling(params))
  // Suppression is decided here, at every event incl. the withdrawal (as FRR does).
  const suppressed = wasSuppressed || penalty >= params.suppress
  const next: DampingState = {
    penalty,
    updatedAtMs: Math.max(nowMs, prev.updatedAtMs),
    suppressed,
    maxPenalty: Math.max(prev.maxPenalty, penalty),
    flaps: prev.flaps + (event === 'withdraw' || event === 'change' ? 1 : 0)
  }
  const suppressedAtMs = suppressed && !wasSuppressed ? nowMs : prev.suppressedAtMs
  return suppressedAtMs === undefined ? next : { ...next, suppressedAtMs }
}

/**
 * The time at which a suppressed path becomes usable again: when its decayed penalty
 * reaches `reuse`, t = updatedAt + halfLife · log2(penalty / reuse) (RFC 2439's reuse timer).
 * Rounded up to a whole millisecond so a timer set for it never fires a hair early,
 * and never later than maxSuppressS after the last event (the ceiling's guarantee,
 * restated so floating-point rounding cannot break it). Undefined when not suppressed.
 */
export function reuseAtMs (state: DampingState, params: DampingParams): number | undefined {
  if (!state.suppressed) return undefined
  if (state.penalty <= params.reuse) return state.updatedAtMs
  const exact = state.updatedAtMs + params.halfLifeS * 1000 * Math.log2(state.penalty / params.reuse)
  return Math.min(Math.ceil(exact), state.updatedAtMs + params.maxSuppressS * 1000)
}

/** Suppressed now: suppressed at the last event and its reuse time not yet reached. */
export function isSuppressed (state: DampingState, nowMs: number, params: DampingParams): boolean {
  if (!state.suppressed) return false
  const at = reuseAtMs(state, params)
  return at !== undefined && nowMs < at
}

/**
 * State that may be dropped to keep the per-path map bounded: not suppressed and a
 * penalty below reuse/2, low enough that forgetting it changes no decision soon
 * (it would take more flaps than it saves to reach `suppress` either way).
 */
export function isForgettable (state: DampingState, nowMs: number, params: DampingParams): boolean {
  return !isSuppressed(state, nowMs, params) && decayedPenalty(state, nowMs, params) < params.reuse / 2
}
