import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { combineEvidence, decayEvidence, decayWeight, sanitizeEvidence } from '../../../agp/winrate/evidence.ts'
import { DEFAULT_WINRATE_Z, winRateLowerBound, winRateMean } from '../../../agp/winrate/estimator.ts'

const H = 300_000

describe('win-rate posterior (Beta(1,1) prior)', () => {
  it('has mean (wins + 1) / (trials + 2)', () => {
    expect(winRateMean({ wins: 0, trials: 0 })).toBe(0.5)
    expect(winRateMean({ wins: 80, trials: 100 })).toBeCloseTo(81 / 102, 12)
    expect(winRateMean({ wins: 0, trials: 10 })).toBeCloseTo(1 / 12, 12)
  })

  it('gives the Wilson lower bound of the posterior pseudo-counts (hand-computed)', () => {
    // n = 2, p = 0.5, z² = 2.706025: (0.5 + 0.676506 − 1.645·√(0.125 + 0.169127)) / (1 + 1.353013)
    expect(winRateLowerBound({ wins: 0, trials: 0 })).toBeCloseTo(0.120852, 5)
    // n = 102, p = 81/102: (0.794118 + 0.013265 − 0.067182) / 1.026530
    expect(winRateLowerBound({ wins: 80, trials: 100 })).toBeCloseTo(0.721071, 5)
    expect(winRateLowerBound({ wins: 8, trials: 10 })).toBeCloseTo(0.512641, 5)
  })

  it('ranks thin evidence below solid evidence at the same rate, and stays in [0, mean]', () => {
    expect(winRateLowerBound({ wins: 8, trials: 10 })).toBeLessThan(winRateLowerBound({ wins: 80, trials: 100 }))
    for (const ev of [{ wins: 0, trials: 0 }, { wins: 0, trials: 1e6 }, { wins: 1e6, trials: 1e6 }, { wins: 3, trials: 7 }]) {
      const lb = winRateLowerBound(ev)
      expect(lb).toBeGreaterThanOrEqual(0)
      expect(lb).toBeLessThanOrEqual(winRateMean(ev))
    }
  })

  it('widens with z and ignores a nonsensical z', () => {
    const ev = { wins: 80, trials: 100 }
    expect(winRateLowerBound(ev, 2.326)).toBeLessThan(winRateLowerBound(ev, 1.645))
    expect(winRateLowerBound(ev, -1)).toBe(winRateLowerBound(ev, DEFAULT_WINRATE_Z))
    expect(winRateLowerBound(ev, Number.NaN)).toBe(winRateLowerBound(ev))
  })

  it('treats malformed counts as less evidence, never NaN', () => {
    expect(sanitizeEvidence({ wins: 120, trials: 100 })).toEqual({ wins: 100, trials: 100 })
    expect(sanitizeEvidence({ wins: -3, trials: Number.NaN })).toEqual({ wins: 0, trials: 0 })
    expect(sanitizeEvidence({ wins: 5, trials: Infinity })).toEqual({ wins: 0, trials: 0 })
    expect(winRateLowerBound({ wins: Number.NaN, trials: -1 })).toBeCloseTo(0.120852, 5)
  })
})

describe('evidence decay', () => {
  it('halves pseudo-counts every half-life and keeps the rate', () => {
    expect(decayEvidence({ wins: 80, trials: 100 }, H, H)).toEqual({ wins: 40, trials: 50 })
    expect(decayEvidence({ wins: 80, trials: 100 }, 2 * H, H)).toEqual({ wins: 20, trials: 25 })
    expect(decayWeight(H / 2, H)).toBeCloseTo(Math.SQRT1_2, 12)
  })

  it('gives no bonus to future stamps, no trust to unknown ages', () => {
    expect(decayEvidence({ wins: 8, trials: 10 }, -5_000, H)).toEqual({ wins: 8, trials: 10 })
    expect(decayEvidence({ wins: 8, trials: 10 }, Number.NaN, H)).toEqual({ wins: 0, trials: 0 })
    expect(decayEvidence({ wins: 8, trials: 10 }, Infinity, H)).toEqual({ wins: 0, trials: 0 })
    expect(decayEvidence({ wins: 8, trials: 10 }, 1e9, Infinity)).toEqual({ wins: 8, trials: 10 })
  })

  it('rejects a half-life that is not > 0 with a typed error', () => {
    expect(() => decayWeight(1, 0)).toThrow(InvalidArgumentError)
    expect(() => decayEvidence({ wins: 1, trials: 1 }, 1, Number.NaN)).toThrow(/half-life/)
  })

  it('lowers the lower bound of old evidence (decayed 80/100 → 40/50)', () => {
    expect(winRateLowerBound(decayEvidence({ wins: 80, trials: 100 }, H, H))).toBeCloseTo(0.682248, 5)
  })
})

describe('combining evidence', () => {
  it('adds pseudo-counts (advertised + local)', () => {
    expect(combineEvidence({ wins: 40, trials: 50 }, { wins: 0.5, trials: 1.5 })).toEqual({ wins: 40.5, trials: 51.5 })
    // 80/100 advertised and 0/20 seen locally: mean 81/122.
    expect(winRateMean(combineEvidence({ wins: 80, trials: 100 }, { wins: 0, trials: 20 }))).toBeCloseTo(81 / 122, 12)
  })
})
