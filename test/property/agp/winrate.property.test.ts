import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { combineEvidence, decayEvidence } from '../../../agp/winrate/evidence.ts'
import { winRateLowerBound, winRateMean } from '../../../agp/winrate/estimator.ts'
import { BREAKER_OPEN_MS, BREAKER_PROBE_TIMEOUT_MS, LocalOutcomes } from '../../../agp/winrate/local-outcomes.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const evArb = fc.record({ trials: fc.double({ min: 0, max: 1e6, noNaN: true }), frac: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ trials, frac }) => ({ wins: trials * frac, trials }))

describe('win-rate estimator properties', () => {
  it('the lower bound lies in [0, mean] ⊂ [0, 1]', () => {
    fc.assert(fc.property(evArb, fc.double({ min: 0.1, max: 4, noNaN: true }), (ev, z) => {
      const lb = winRateLowerBound(ev, z)
      const mean = winRateMean(ev)
      expect(lb).toBeGreaterThanOrEqual(0)
      expect(lb).toBeLessThanOrEqual(mean + 1e-12)
      expect(mean).toBeLessThanOrEqual(1)
    }), { numRuns })
  })

  it('one more win never lowers the bound; one more loss never raises it', () => {
    fc.assert(fc.property(evArb, (ev) => {
      const lb = winRateLowerBound(ev)
      expect(winRateLowerBound({ wins: ev.wins + 1, trials: ev.trials + 1 })).toBeGreaterThanOrEqual(lb - 1e-12)
      expect(winRateLowerBound({ wins: ev.wins, trials: ev.trials + 1 })).toBeLessThanOrEqual(lb + 1e-12)
    }), { numRuns })
  })

  it('decay composes (a then b = a + b) and keeps the rate', () => {
    const age = fc.double({ min: 0, max: 1e7, noNaN: true })
    fc.assert(fc.property(evArb, age, age, fc.double({ min: 1, max: 1e7, noNaN: true }), (ev, a, b, h) => {
      const twice = decayEvidence(decayEvidence(ev, a, h), b, h)
      const once = decayEvidence(ev, a + b, h)
      expect(twice.trials).toBeCloseTo(once.trials, 6)
      expect(twice.wins).toBeCloseTo(once.wins, 6)
      if (once.trials > 1e-9) expect(once.wins / once.trials).toBeCloseTo(ev.wins / ev.trials, 9)
    }), { numRuns })
  })

  it('combining is commutative and adds trials', () => {
    fc.assert(fc.property(evArb, evArb, (x, y) => {
      expect(combineEvidence(x, y)).toEqual(combineEvidence(y, x))
      expect(combineEvidence(x, y).trials).toBeCloseTo(x.trials + y.trials, 6)
    }), { numRuns })
  })

  it('breaker: at most one probe is in flight, and a closed breaker admits every call', () => {
    // Calls take the probe (as resolve does), outcomes settle the one in flight, time moves.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('call' as const) }),
      fc.record({ kind: fc.constant('outcome' as const), success: fc.boolean() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1, 1000, BREAKER_OPEN_MS, BREAKER_PROBE_TIMEOUT_MS) })
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const t = new LocalOutcomes({ halfLifeMs: 60_000 })
      let nowMs = 0
      let inFlight: number | undefined // when the outstanding probe was handed out
      for (const o of ops) {
        if (o.kind === 'wait') { nowMs += o.ms; continue }
        if (o.kind === 'outcome') { t.recordOutcome('k', o.success, nowMs); inFlight = undefined; continue }
        const state = t.breaker('k', nowMs)
        const admitted = t.admits('k', nowMs)
        const probe = t.takeProbe('k', nowMs)
        if (state === 'closed') expect([admitted, probe]).toEqual([true, false])
        if (state === 'open') expect([admitted, probe]).toEqual([false, false])
        if (state === 'half-open') {
          const outstanding = inFlight !== undefined && nowMs - inFlight < BREAKER_PROBE_TIMEOUT_MS
          expect(probe).toBe(!outstanding)
          expect(admitted).toBe(probe)
          if (probe) inFlight = nowMs
        }
      }
    }), { numRuns })
  })
})
