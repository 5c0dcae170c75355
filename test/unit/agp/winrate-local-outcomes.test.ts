import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { LocalOutcomes } from '../../../agp/winrate/local-outcomes.ts'

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
})
