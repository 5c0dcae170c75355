import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyDampingEvent, decayedPenalty, isSuppressed, penaltyCeiling, reuseAtMs, type DampingEvent, type DampingState
} from '../../../agp/damping/index.ts'
import { DEFAULT_DAMPING, type DampingParams } from '../../../agp/params.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

const eventArb = fc.constantFrom<DampingEvent>('withdraw', 'change', 'readvertise', 'refresh')
/** A history: events separated by gaps of 0 ms to 2 h. */
const historyArb = fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 7_200_000 })), { minLength: 1, maxLength: 60 })
const paramsArb: fc.Arbitrary<DampingParams> = fc.record({
  halfLifeS: fc.integer({ min: 1, max: 3600 }),
  reuse: fc.integer({ min: 1, max: 5000 }),
  suppressOver: fc.integer({ min: 1, max: 20_000 }),
  maxSuppressS: fc.integer({ min: 1, max: 14_400 }),
  withdrawPenalty: fc.integer({ min: 0, max: 5000 }),
  changePenalty: fc.integer({ min: 0, max: 5000 }),
  readvertisePenalty: fc.integer({ min: 0, max: 2000 })
}).map(({ suppressOver, ...p }) => ({ ...DEFAULT_DAMPING, ...p, suppress: p.reuse + suppressOver }))

function replay (history: readonly (readonly [DampingEvent, number])[], params: DampingParams, each?: (s: DampingState, t: number) => void): { state: DampingState, lastMs: number } {
  let s: DampingState | undefined
  let t = 0
  for (const [event, gap] of history) {
    t += gap
    s = applyDampingEvent(s, event, t, params)
    each?.(s, t)
  }
  return { state: s!, lastMs: t }
}

describe('damping properties', () => {
  it('the penalty never exceeds the ceiling reuse · 2^(maxSuppressS / halfLifeS)', () => {
    fc.assert(fc.property(paramsArb, historyArb, (params, history) => {
      const ceiling = penaltyCeiling(params)
      replay(history, params, (s) => {
        expect(s.penalty).toBeLessThanOrEqual(ceiling)
        expect(s.maxPenalty).toBeLessThanOrEqual(ceiling)
      })
    }), { numRuns })
  })

  it('after the last event a route is usable again no later than maxSuppressS', () => {
    fc.assert(fc.property(paramsArb, historyArb, (params, history) => {
      const { state, lastMs } = replay(history, params)
      const deadline = lastMs + params.maxSuppressS * 1000
      expect(isSuppressed(state, deadline, params)).toBe(false)
      const at = reuseAtMs(state, params)
      if (at !== undefined) expect(at).toBeLessThanOrEqual(deadline)
    }), { numRuns })
  })

  it('a suppressed route is usable exactly from its reuse time on', () => {
    fc.assert(fc.property(paramsArb, historyArb, (params, history) => {
      const { state } = replay(history, params)
      const at = reuseAtMs(state, params)
      if (at === undefined) return
      expect(isSuppressed(state, at, params)).toBe(false)
      if (at > state.updatedAtMs) expect(isSuppressed(state, at - 1, params)).toBe(true)
    }), { numRuns })
  })

  it('decay is monotone: the decayed penalty never increases with time', () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 1e8 }), fc.integer({ min: 0, max: 1e8 }),
      fc.integer({ min: 1, max: 7200 }),
      (penalty, a, b, halfLifeS) => {
        const params = { ...DEFAULT_DAMPING, halfLifeS }
        const s: DampingState = { penalty, updatedAtMs: 0, suppressed: false, maxPenalty: penalty, flaps: 0 }
        const [t1, t2] = a <= b ? [a, b] : [b, a]
        const p1 = decayedPenalty(s, t1, params)
        const p2 = decayedPenalty(s, t2, params)
        expect(p2).toBeLessThanOrEqual(p1)
        expect(p1).toBeLessThanOrEqual(penalty)
        expect(p2).toBeGreaterThanOrEqual(0)
      }), { numRuns })
  })

  it('refresh events never change the penalty', () => {
    fc.assert(fc.property(paramsArb, historyArb, fc.integer({ min: 0, max: 1e7 }), (params, history, gap) => {
      const { state, lastMs } = replay(history, params)
      const r = applyDampingEvent(state, 'refresh', lastMs + gap, params)
      expect(r.penalty).toBe(state.penalty)
      expect(r.updatedAtMs).toBe(state.updatedAtMs)
    }), { numRuns })
  })
})
