import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { BREAKER_FAILURES, BREAKER_OPEN_MS, BREAKER_PROBE_TIMEOUT_MS, LocalOutcomes } from '../../../agp/winrate/local-outcomes.ts'

const H = 60_000

describe('LocalOutcomes', () => {
  it('counts outcomes and decays them with the half-life', () => {
    const t = new LocalOutcomes({ halfLifeMs: H })
    for (const ok of [true, true, true, false]) t.recordOutcome('acme/rev', ok, 0)
    expect(t.get('acme/rev', 0)).toEqual({ wins: 3, trials: 4 })
    expect(t.get('acme/rev', H)).toEqual({ wins: 1.5, trials: 2 })
    expect(t.get('other/x', 0)).toBeUndefined()
  })

  it('decays old outcomes before adding a new one', () => {
    const t = new LocalOutcomes({ halfLifeMs: H })
    t.recordOutcome('acme/rev', true, 0)
    t.recordOutcome('acme/rev', false, H)
    expect(t.get('acme/rev', H)).toEqual({ wins: 0.5, trials: 1.5 })
    expect(t.get('acme/rev', 2 * H)).toEqual({ wins: 0.25, trials: 0.75 })
  })

  it('never un-decays when the clock steps back', () => {
    const t = new LocalOutcomes({ halfLifeMs: H })
    t.recordOutcome('k', true, H)
    t.recordOutcome('k', true, 0)
    expect(t.get('k', H)).toEqual({ wins: 2, trials: 2 })
    expect(t.get('k', 0)).toEqual({ wins: 2, trials: 2 })
  })

  it('is bounded: forgets the least recently updated path', () => {
    const t = new LocalOutcomes({ halfLifeMs: H, maxEntries: 2 })
    t.recordOutcome('a', true, 0)
    t.recordOutcome('b', true, 0)
    t.recordOutcome('a', false, 0) // a is now the most recent
    t.recordOutcome('c', true, 0)
    expect(t.size).toBe(2)
    expect(t.get('b', 0)).toBeUndefined()
    expect(t.get('a', 0)).toEqual({ wins: 1, trials: 2 })
    expect(t.delete('a')).toBe(true)
    expect(t.size).toBe(1)
  })

  it('rejects a bad init with a typed error', () => {
    expect(() => new LocalOutcomes({ halfLifeMs: 0 })).toThrow(InvalidArgumentError)
    expect(() => new LocalOutcomes({ halfLifeMs: H, maxEntries: 0 })).toThrow(InvalidArgumentError)
  })

  it('a half-open breaker lets exactly one probe through at a time', () => {
    const t = new LocalOutcomes({ halfLifeMs: H })
    for (let i = 0; i < BREAKER_FAILURES; i++) t.recordOutcome('k', false, 0)
    expect(t.admits('k', 0)).toBe(false)
    expect(t.takeProbe('k', 0)).toBe(false) // open: no probe yet
    const half = BREAKER_OPEN_MS
    expect(t.breaker('k', half)).toBe('half-open')
    expect(t.admits('k', half)).toBe(true)
    expect(t.takeProbe('k', half)).toBe(true)
    // Every other caller keeps the open behaviour while the probe is in flight.
    expect(t.admits('k', half + 1)).toBe(false)
    expect(t.takeProbe('k', half + 1)).toBe(false)
    expect(t.breaker('k', half + 1)).toBe('half-open')
    // The probe's success closes the breaker: everyone is admitted.
    t.recordOutcome('k', true, half + 2)
    expect(t.breaker('k', half + 2)).toBe('closed')
    expect(t.admits('k', half + 2)).toBe(true)
    expect(t.takeProbe('k', half + 2)).toBe(false) // closed: nothing to probe
  })

  it('a failed probe re-opens; a probe with no outcome frees the slot after its timeout', () => {
    const t = new LocalOutcomes({ halfLifeMs: H })
    for (let i = 0; i < BREAKER_FAILURES; i++) t.recordOutcome('k', false, 0)
    const half = BREAKER_OPEN_MS
    expect(t.takeProbe('k', half)).toBe(true)
    t.recordOutcome('k', false, half + 5)
    expect(t.breaker('k', half + 5)).toBe('open')
    expect(t.admits('k', half + 5)).toBe(false)
    const half2 = half + 5 + BREAKER_OPEN_MS
    expect(t.takeProbe('k', half2)).toBe(true)
    expect(t.admits('k', half2 + BREAKER_PROBE_TIMEOUT_MS - 1)).toBe(false)
    expect(t.takeProbe('k', half2 + BREAKER_PROBE_TIMEOUT_MS)).toBe(true)
    expect(t.takeProbe('k', half2 + BREAKER_PROBE_TIMEOUT_MS + 1)).toBe(false)
  })
})
