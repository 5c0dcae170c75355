import { describe, expect, it } from 'vitest'
import {
  applyDampingEvent, decayedPenalty, isForgettable, isSuppressed, penaltyCeiling, reuseAtMs, type DampingState
} from '../../../agp/damping/index.ts'
import { DEFAULT_DAMPING as P } from '../../../agp/params.ts'

const MIN = 60_000
const H_MS = P.halfLifeS * 1000

function state (penalty: number, updatedAtMs: number, suppressed: boolean): DampingState {
  return { penalty, updatedAtMs, suppressed, maxPenalty: penalty, flaps: 1 }
}

/** Withdraw at k·periodMs, re-advertise half a period later; returns the state after each withdrawal. */
function flap (times: number, periodMs: number): DampingState[] {
  const out: DampingState[] = []
  let s: DampingState | undefined
  for (let k = 0; k < times; k++) {
    s = applyDampingEvent(s, 'withdraw', k * periodMs, P)
    out.push(s)
    s = applyDampingEvent(s, 'readvertise', k * periodMs + periodMs / 2, P)
  }
  return out
}

describe('damping: decay', () => {
  it('halves the penalty every half-life, exactly', () => {
    const s = state(1000, 0, false)
    expect(decayedPenalty(s, 0, P)).toBe(1000)
    expect(decayedPenalty(s, H_MS, P)).toBe(500)
    expect(decayedPenalty(s, 2 * H_MS, P)).toBe(250)
    expect(decayedPenalty(s, 10 * H_MS, P)).toBe(1000 / 1024)
    expect(decayedPenalty(s, H_MS / 2, P)).toBeCloseTo(1000 / Math.SQRT2, 9)
  })

  it('does not grow the penalty when the clock steps back', () => {
    expect(decayedPenalty(state(1000, 5000, false), 1000, P)).toBe(1000)
  })

  it('adds the configured penalty per event, refresh adds nothing', () => {
    const w = applyDampingEvent(undefined, 'withdraw', 0, P)
    expect(w.penalty).toBe(1000)
    const c = applyDampingEvent(w, 'change', H_MS, P)
    expect(c.penalty).toBe(500 + 500)
    const r = applyDampingEvent(c, 'readvertise', H_MS, P)
    expect(r.penalty).toBe(1000)
    expect(applyDampingEvent(c, 'refresh', 2 * H_MS, P)).toBe(c)
    expect(r.flaps).toBe(2)
  })
})

describe('damping: ceiling (RFC 2439 max-penalty)', () => {
  it('is reuse · 2^(maxSuppressS / halfLifeS) = 750 · 2^4 = 12000 with the defaults', () => {
    expect(penaltyCeiling(P)).toBe(12_000)
  })

  it('caps the penalty, so a stopped flapper is reusable exactly maxSuppressS after its last event', () => {
    let s: DampingState | undefined
    for (let i = 0; i < 50; i++) s = applyDampingEvent(s, 'withdraw', 1000, P)
    expect(s?.penalty).toBe(12_000)
    expect(s?.maxPenalty).toBe(12_000)
    expect(reuseAtMs(s!, P)).toBe(1000 + P.maxSuppressS * 1000)
  })
})

describe('damping: reuse time', () => {
  it('is updatedAt + halfLife · log2(penalty / reuse)', () => {
    // 6000 = 750 · 2^3: three half-lives.
    const s = state(6000, 10_000, true)
    expect(reuseAtMs(s, P)).toBe(10_000 + 3 * H_MS)
    expect(isSuppressed(s, 10_000 + 3 * H_MS - 1, P)).toBe(true)
    expect(isSuppressed(s, 10_000 + 3 * H_MS, P)).toBe(false)
    expect(decayedPenalty(s, 10_000 + 3 * H_MS, P)).toBe(750)
  })

  it('rounds a fractional reuse time up to the next millisecond', () => {
    const s = state(7000, 0, true)
    const exact = H_MS * Math.log2(7000 / 750)
    expect(reuseAtMs(s, P)).toBe(Math.ceil(exact))
    expect(decayedPenalty(s, reuseAtMs(s, P)!, P)).toBeLessThanOrEqual(750)
  })

  it('is undefined for a route that is not suppressed', () => {
    expect(reuseAtMs(state(5000, 0, false), P)).toBeUndefined()
  })
})

describe('damping: suppress/reuse hysteresis', () => {
  it('suppresses when the penalty reaches suppress, and keeps it suppressed between reuse and suppress', () => {
    const s = applyDampingEvent(state(5000, 0, false), 'withdraw', 0, P) // 6000 ≥ 6000
    expect(s.suppressed).toBe(true)
    expect(s.suppressedAtMs).toBe(0)
    expect(isSuppressed(s, H_MS, P)).toBe(true) // 3000: below suppress, above reuse
    expect(isSuppressed(s, 3 * H_MS, P)).toBe(false) // 750 = reuse
  })

  it('does not suppress a route that never reached suppress, whatever its penalty between reuse and suppress', () => {
    const s = applyDampingEvent(state(4000, 0, false), 'withdraw', 0, P)
    expect(s.penalty).toBe(5000)
    expect(isSuppressed(s, 0, P)).toBe(false)
  })

  it('clears the flag lazily at the next event once reuse has passed', () => {
    const s = state(6000, 0, true)
    const r = applyDampingEvent(s, 'refresh', 3 * H_MS, P)
    expect(r.suppressed).toBe(false)
    expect(r.penalty).toBe(6000)
    expect(isSuppressed(r, 3 * H_MS, P)).toBe(false)
  })
})

describe('damping: suppression is decided at every event, the withdrawal included', () => {
  // 5 withdrawals at the same instant: 5000. The 6th at t=0 makes 6000 → suppressed while withdrawn.
  it('a route withdrawn above suppress comes back suppressed, until its penalty decays to reuse', () => {
    let s = state(5000, 0, false)
    s = applyDampingEvent(s, 'withdraw', 0, P)
    expect(s.suppressed).toBe(true)
    const back = applyDampingEvent(s, 'readvertise', 10 * MIN, P)
    expect(isSuppressed(back, 10 * MIN, P)).toBe(true)
    expect(reuseAtMs(back, P)).toBe(3 * H_MS) // 6000 → 750 in three half-lives, measured from the withdrawal
    const later = applyDampingEvent(s, 'readvertise', 3 * H_MS, P)
    expect(isSuppressed(later, 3 * H_MS, P)).toBe(false)
  })
})

describe('damping: agents', () => {
  it('an agent flapping every 60 s is suppressed at its 7th withdrawal (t = 360 s)', () => {
    // Hand computation: after the k-th withdrawal, P_k = 1000 · (1 − d^k) / (1 − d), d = 2^(−60/900) ≈ 0.95484.
    // P_6 ≈ 5362.05 < 6000 ≤ P_7 ≈ 6119.91.
    const d = 2 ** (-60 / 900)
    const states = flap(8, MIN)
    states.forEach((s, i) => expect(s.penalty).toBeCloseTo(1000 * (1 - d ** (i + 1)) / (1 - d), 6))
    expect(states.map((s) => s.suppressed)).toEqual([false, false, false, false, false, false, true, true])
    expect(states[5]!.penalty).toBeCloseTo(5362.053, 3)
    expect(states[6]!.penalty).toBeCloseTo(6119.911, 3)
    expect(states[6]!.suppressedAtMs).toBe(6 * MIN)
    expect(states[7]!.suppressedAtMs).toBe(6 * MIN)
  })

  it('the flapper is reusable log2(P/750) half-lives after its last event', () => {
    const last = flap(7, MIN)[6]!
    const reAdvertised = applyDampingEvent(last, 'readvertise', 6.5 * MIN, P)
    const at = reuseAtMs(reAdvertised, P)!
    expect(at).toBe(Math.ceil(6 * MIN + H_MS * Math.log2(last.penalty / 750)))
    expect(at).toBeGreaterThan(51 * MIN) // ≈ 3085.7 s
    expect(at).toBeLessThan(52 * MIN)
  })

  it('reproduces the table of docs/damping.md (ten flaps, then stable)', () => {
    const states = flap(10, MIN)
    expect(states.map((s) => Math.round(s.penalty))).toEqual([1000, 1955, 2867, 3737, 4568, 5362, 6120, 6844, 7535, 8194])
    const stable = applyDampingEvent(states[9]!, 'readvertise', 9.5 * MIN, P)
    expect(Math.round(stable.penalty)).toBe(8007)
    expect([900, 1200, 1800, 2400, 3000, 3600].map((t) => Math.round(decayedPenalty(stable, t * 1000, P)))).toEqual([6210, 4929, 3105, 1956, 1232, 776])
    expect(reuseAtMs(stable, P)).toBe(3_644_686)
    expect(isForgettable(stable, 3_644_686 + H_MS - 1, P)).toBe(false)
    expect(isForgettable(stable, 3_644_686 + H_MS + 1, P)).toBe(true)
  })

  it('an agent whose every 60 s refresh counted as an attribute change would be suppressed at t = 960 s', () => {
    // Why the hysteresis band exists: P_k = 500 · (1 − d^k) / (1 − d) first reaches 6000 at k = 17.
    let s: DampingState | undefined
    let suppressedAt: number | undefined
    for (let k = 0; k < 30 && suppressedAt === undefined; k++) {
      s = applyDampingEvent(s, 'change', k * MIN, P)
      if (s.suppressed) suppressedAt = k * MIN
    }
    expect(suppressedAt).toBe(16 * MIN)
  })

  it('a healthy chatty agent refreshing every 60 s inside the band is never suppressed (24 h)', () => {
    let s: DampingState | undefined = applyDampingEvent(undefined, 'readvertise', 0, P)
    for (let k = 1; k <= 24 * 60; k++) {
      s = applyDampingEvent(s, 'refresh', k * MIN, P)
      expect(isSuppressed(s, k * MIN, P)).toBe(false)
    }
    expect(s.penalty).toBe(0)
    expect(s.maxPenalty).toBe(0)
  })
})

describe('damping: forgetting', () => {
  it('forgets state below reuse/2 that is not suppressed', () => {
    const s = state(750, 0, false) // reaches reuse/2 = 375 after exactly one half-life
    expect(isForgettable(s, 0, P)).toBe(false)
    expect(isForgettable(s, H_MS, P)).toBe(false) // exactly 375: not below
    expect(isForgettable(s, H_MS + 1, P)).toBe(true)
  })

  it('never forgets a suppressed route', () => {
    const s: DampingState = { penalty: 300, updatedAtMs: 0, suppressed: true, maxPenalty: 6000, flaps: 6 }
    // Penalty below reuse: reuse time is now, so it is no longer suppressed and may be forgotten.
    expect(isSuppressed(s, 0, P)).toBe(false)
    expect(isForgettable(s, 0, P)).toBe(true)
    expect(isForgettable(state(6000, 0, true), 10 * H_MS, P)).toBe(true)
    expect(isForgettable(state(6000, 0, true), 2 * H_MS, P)).toBe(false)
  })
})
