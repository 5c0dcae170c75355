import { describe, expect, it } from 'vitest'
import { decodeDampingState, encodeDampingState, applyDampingEvent, validateDampingParams } from '../../../agp/damping/index.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { DEFAULT_DAMPING, type DampingParams } from '../../../agp/params.ts'

function v (over: Partial<DampingParams>): { errors: string[], warnings: string[] } {
  return validateDampingParams({ ...DEFAULT_DAMPING, ...over })
}

describe('validateDampingParams', () => {
  it('accepts the RFC 7196 defaults without warnings', () => {
    expect(v({})).toEqual({ errors: [], warnings: [] })
  })

  it('rejects non-positive, non-finite and negative values, naming the key', () => {
    expect(v({ halfLifeS: 0 }).errors[0]).toMatch(/damping\.halfLifeS/)
    expect(v({ suppress: -1 }).errors[0]).toMatch(/damping\.suppress/)
    expect(v({ maxSuppressS: Number.NaN }).errors[0]).toMatch(/damping\.maxSuppressS/)
    expect(v({ withdrawPenalty: -5 }).errors[0]).toMatch(/damping\.withdrawPenalty/)
    expect(v({ hysteresis: { costRel: -0.1, latencyRel: 0.1, winRateAbs: 0.05 } }).errors[0]).toMatch(/hysteresis\.costRel/)
    expect(validateDampingParams({ ...DEFAULT_DAMPING, reuse: 'x' } as unknown as DampingParams).errors[0]).toMatch(/damping\.reuse/)
  })

  it('rejects reuse ≥ suppress', () => {
    expect(v({ reuse: 6000 }).errors[0]).toMatch(/reuse .* below damping\.suppress/)
  })

  it('warns when the ceiling keeps the penalty from ever reaching suppress', () => {
    // 750 · 2^(1800/900) = 3000 < 6000
    const r = v({ maxSuppressS: 1800 })
    expect(r.errors).toEqual([])
    expect(r.warnings[0]).toMatch(/can never be reached.*3000/)
  })

  it('warns when changes can never accumulate (changePenalty ≤ reuse/2 is forgotten at once)', () => {
    expect(v({ changePenalty: 375 }).warnings[0]).toMatch(/changePenalty \(375\) ≤ reuse\/2 \(375\).*never accumulate/)
    expect(v({ changePenalty: 376 }).warnings).toEqual([])
    expect(v({ changePenalty: 0 }).warnings).toEqual([])
  })

  it('warns when no event adds a penalty, and when a single event suppresses', () => {
    expect(v({ withdrawPenalty: 0, changePenalty: 0 }).warnings[0]).toMatch(/every penalty is 0/)
    expect(v({ withdrawPenalty: 7000 }).warnings[0]).toMatch(/single event/)
  })
})

describe('damping state codec', () => {
  it('round-trips through JSON', () => {
    let s = applyDampingEvent(undefined, 'withdraw', 0, DEFAULT_DAMPING)
    for (let i = 0; i < 6; i++) s = applyDampingEvent(s, 'withdraw', 1000, DEFAULT_DAMPING)
    expect(s.suppressedAtMs).toBe(1000)
    expect(decodeDampingState(JSON.parse(JSON.stringify(encodeDampingState(s))))).toEqual(s)
    const fresh = applyDampingEvent(undefined, 'change', 0, DEFAULT_DAMPING)
    expect(decodeDampingState(JSON.parse(JSON.stringify(encodeDampingState(fresh))))).toEqual(fresh)
  })

  it('rejects malformed input with InvalidArgumentError only', () => {
    for (const bad of [null, 1, 'x', [], {}, { penalty: -1, updatedAtMs: 0, suppressed: false, maxPenalty: 0, flaps: 0 },
      { penalty: 1, updatedAtMs: 0, suppressed: 'no', maxPenalty: 0, flaps: 0 },
      { penalty: 1, updatedAtMs: 0, suppressed: false, maxPenalty: 0, flaps: 1.5 },
      { penalty: 1, updatedAtMs: 0, suppressed: true, maxPenalty: 0, flaps: 1, suppressedAtMs: 'x' }]) {
      expect(() => decodeDampingState(bad)).toThrow(InvalidArgumentError)
    }
  })
})
