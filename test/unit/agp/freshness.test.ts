import { describe, expect, it } from 'vitest'
import {
  evidenceHalfLifeMs, freshnessState, isBeyondClockSkew, nextFreshnessChangeMs, routeAgeMs
} from '../../../agp/freshness/freshness.ts'
import { freshnessWarnings, validateFreshnessParams } from '../../../agp/freshness/validate.ts'
import { DEFAULT_FRESHNESS, type FreshnessParams } from '../../../agp/params.ts'

const P = DEFAULT_FRESHNESS // refresh 60 s, stale 300 s, max age 900 s
const T0 = 1_000_000

describe('freshnessState', () => {
  it('is fresh before staleS, stale from staleS, expired from maxAgeS', () => {
    expect(freshnessState(T0, T0, P)).toBe('fresh')
    expect(freshnessState(T0, T0 + 299_999, P)).toBe('fresh')
    expect(freshnessState(T0, T0 + 300_000, P)).toBe('stale')
    expect(freshnessState(T0, T0 + 899_999, P)).toBe('stale')
    expect(freshnessState(T0, T0 + 900_000, P)).toBe('expired')
  })

  it('counts a route from the future as fresh (age 0), whatever the skew', () => {
    expect(routeAgeMs(T0 + 5_000, T0)).toBe(0)
    expect(freshnessState(T0 + 5_000, T0, P)).toBe('fresh')
    expect(freshnessState(T0 + 3_600_000, T0, P)).toBe('fresh')
    expect(isBeyondClockSkew(T0 + 5_000, T0)).toBe(false)
    expect(isBeyondClockSkew(T0 + 60_001, T0)).toBe(true)
    expect(isBeyondClockSkew(T0 + 10_001, T0, 10_000)).toBe(true)
  })

  it('never trusts an age it cannot compute', () => {
    expect(freshnessState(Number.NaN, T0, P)).toBe('expired')
    expect(freshnessState(-Infinity, T0, P)).toBe('expired')
  })
})

describe('nextFreshnessChangeMs', () => {
  it('schedules fresh → stale, then stale → expired, then nothing', () => {
    expect(nextFreshnessChangeMs(T0, T0 + 10, P)).toBe(T0 + 300_000)
    expect(nextFreshnessChangeMs(T0, T0 + 300_000, P)).toBe(T0 + 900_000)
    expect(nextFreshnessChangeMs(T0, T0 + 900_000, P)).toBeUndefined()
    // From the future: stale staleS after its own stamp.
    expect(nextFreshnessChangeMs(T0 + 5_000, T0, P)).toBe(T0 + 305_000)
  })

  it('returns a time at which the state really differs', () => {
    for (const now of [T0, T0 + 123_456, T0 + 300_000, T0 + 500_000]) {
      const at = nextFreshnessChangeMs(T0, now, P)
      expect(at).toBeDefined()
      expect(freshnessState(T0, at!, P)).not.toBe(freshnessState(T0, at! - 1, P))
    }
  })
})

describe('evidence half-life', () => {
  it('is staleS by default', () => {
    expect(evidenceHalfLifeMs(P)).toBe(300_000)
    expect(evidenceHalfLifeMs({ refreshS: 1, staleS: 5, maxAgeS: 15 })).toBe(5_000)
  })
})

describe('validateFreshnessParams', () => {
  it('accepts the defaults', () => {
    expect(validateFreshnessParams(P)).toEqual([])
    expect(freshnessWarnings(P)).toEqual([])
  })

  it('requires refreshS < staleS < maxAgeS', () => {
    expect(validateFreshnessParams({ refreshS: 300, staleS: 300, maxAgeS: 900 })).toEqual([expect.stringMatching(/refreshS \(300\) must be < staleS/)])
    expect(validateFreshnessParams({ refreshS: 60, staleS: 900, maxAgeS: 900 })).toEqual([expect.stringMatching(/staleS \(900\) must be < maxAgeS/)])
  })

  it('requires finite values > 0', () => {
    const bad = { refreshS: 0, staleS: Number.NaN, maxAgeS: -1 } as FreshnessParams
    expect(validateFreshnessParams(bad)).toHaveLength(3)
    expect(validateFreshnessParams({ refreshS: 'x', staleS: 300, maxAgeS: 900 } as unknown as FreshnessParams)).toEqual([expect.stringMatching(/refreshS must be a finite number/)])
  })

  it('warns about settings where one lost refresh hurts', () => {
    expect(freshnessWarnings({ refreshS: 60, staleS: 100, maxAgeS: 130 })).toHaveLength(2)
  })
})
