/**
 * RFC 2439 penalty sequences.
 *
 * The RFC's own text could not be retrieved on this machine (only the opening pages of
 * the document were reachable), so the figures below are NOT copied from RFC 2439 §4.3:
 * they are computed by hand from the RFC's model — a figure of merit incremented per
 * flap and decayed exponentially, p(t) = p0 · 2^(−t / half-life), suppressed at the
 * cutoff, reused at the reuse threshold, capped at reuse · 2^(Tmax / half-life) — with
 * the classic parameters of RFC 2439-era deployments: 1000 per flap, half-life 15 min,
 * cutoff 2000, reuse 750, max hold-down 60 min (ceiling 750 · 2^4 = 12000). The flap
 * pattern: one withdrawal every 5 minutes, re-advertised in between.
 */
import { describe, expect, it } from 'vitest'
import { applyDampingEvent, decayedPenalty, isSuppressed, penaltyCeiling, reuseAtMs, type DampingState } from '../../../agp/damping/index.ts'
import { DEFAULT_DAMPING, type DampingParams } from '../../../agp/params.ts'

const RFC2439: DampingParams = {
  ...DEFAULT_DAMPING,
  halfLifeS: 15 * 60,
  suppress: 2000,
  reuse: 750,
  maxSuppressS: 60 * 60,
  withdrawPenalty: 1000,
  changePenalty: 500,
  readvertisePenalty: 0
}
const MIN = 60_000

// d = 2^(−5/15) = 0.7937005…; P_k = 1000 + d · P_{k−1}; reuse after k flaps = 15 min · log2(P_k / 750).
const EXPECTED = [
  { tMin: 0, penalty: 1000.0000, suppressed: false },
  { tMin: 5, penalty: 1793.7005, suppressed: false },
  { tMin: 10, penalty: 2423.6611, suppressed: true, reuseAfterMin: 25.3834 },
  { tMin: 15, penalty: 2923.6611, suppressed: true, reuseAfterMin: 29.4422 },
  { tMin: 20, penalty: 3320.5113, suppressed: true, reuseAfterMin: 32.1966 },
  { tMin: 25, penalty: 3635.4916, suppressed: true, reuseAfterMin: 34.1578 }
]

function run (flaps: number): DampingState[] {
  const out: DampingState[] = []
  let s: DampingState | undefined
  for (let k = 0; k < flaps; k++) {
    s = applyDampingEvent(s, 'withdraw', k * 5 * MIN, RFC2439)
    out.push(s)
    s = applyDampingEvent(s, 'readvertise', k * 5 * MIN + 2 * MIN, RFC2439)
  }
  return out
}

describe('RFC 2439 figure-of-merit sequence (flap every 5 min)', () => {
  it('matches the hand-computed penalties, suppression and reuse times', () => {
    const states = run(EXPECTED.length)
    EXPECTED.forEach((e, i) => {
      const s = states[i]!
      expect(s.penalty).toBeCloseTo(e.penalty, 3)
      expect(s.suppressed).toBe(e.suppressed)
      if (e.reuseAfterMin !== undefined) {
        expect(reuseAtMs(s, RFC2439)! / MIN - e.tMin).toBeCloseTo(e.reuseAfterMin, 3)
      }
    })
    expect(states[2]!.suppressedAtMs).toBe(10 * MIN)
  })

  it('once the flapping stops after the 6th flap, the route is usable again 34.16 min later (t ≈ 59.16 min)', () => {
    const last = run(6)[5]!
    expect(isSuppressed(last, 59 * MIN, RFC2439)).toBe(true)
    expect(isSuppressed(last, 59.2 * MIN, RFC2439)).toBe(false)
    expect(decayedPenalty(last, reuseAtMs(last, RFC2439)!, RFC2439)).toBeLessThanOrEqual(750)
  })

  it('a route flapping forever stays at the ceiling 12000 and is reused 60 min after its last flap', () => {
    expect(penaltyCeiling(RFC2439)).toBe(12_000)
    let s: DampingState | undefined
    for (let k = 0; k < 200; k++) s = applyDampingEvent(s, 'withdraw', k * 10_000, RFC2439)
    expect(s!.penalty).toBe(12_000)
    expect(reuseAtMs(s!, RFC2439)).toBe(199 * 10_000 + 60 * MIN)
  })
})
