import { describe, expect, it } from 'vitest'
import { classifyChange, withinRel } from '../../../agp/damping/index.ts'
import { DEFAULT_DAMPING } from '../../../agp/params.ts'
import { makeRoute, type AttrOverrides } from '../../helpers/fixtures.ts'

const BAND = DEFAULT_DAMPING.hysteresis // cost 10 %, latency 10 %, win-rate 0.05
const BASE: AttrOverrides = { costUsd: 100, latencyMs: { p50: 1000, p95: 2000 }, winRate: { wins: 50, trials: 100 } }

function classify (next: AttrOverrides, prev: AttrOverrides = BASE): 'refresh' | 'change' {
  return classifyChange(makeRoute(prev).attrs, makeRoute({ ...BASE, ...next }).attrs, BAND)
}

describe('classifyChange: the hysteresis band', () => {
  it('ignores the fields that move on every re-advertisement', () => {
    expect(classify({ originSeq: 99, originatedAtMs: 5000, winRate: { wins: 50, trials: 100, measuredAtMs: 5000 } })).toBe('refresh')
  })

  it('cost: relative change below 10 % is a refresh, 10 % and above is a change', () => {
    expect(classify({ costUsd: 109.99 })).toBe('refresh')
    expect(classify({ costUsd: 90.01 })).toBe('refresh')
    expect(classify({ costUsd: 110 })).toBe('change')
    expect(classify({ costUsd: 90 })).toBe('change')
  })

  it('latency: each of p50 and p95 is checked on its own', () => {
    expect(classify({ latencyMs: { p50: 1099, p95: 2199 } })).toBe('refresh')
    expect(classify({ latencyMs: { p50: 1100, p95: 2000 } })).toBe('change')
    expect(classify({ latencyMs: { p50: 1000, p95: 2200 } })).toBe('change')
    expect(classify({ latencyMs: { p50: 1000, p95: 1800 } })).toBe('change')
  })

  it('win-rate: absolute change of the mean below 0.05 is a refresh', () => {
    expect(classify({ winRate: { wins: 54, trials: 100 } })).toBe('refresh') // 0.50 → 0.54
    expect(classify({ winRate: { wins: 46, trials: 100 } })).toBe('refresh')
    expect(classify({ winRate: { wins: 112, trials: 200 } })).toBe('change') // 0.50 → 0.56
    expect(classify({ winRate: { wins: 500, trials: 1000 } })).toBe('refresh') // more evidence, same mean
  })

  it('handles zero baselines: 0 → 0 is no change, 0 → x > 0 is a change', () => {
    const zero: AttrOverrides = { ...BASE, costUsd: 0, winRate: { wins: 0, trials: 0 } }
    expect(classify({ costUsd: 0, winRate: { wins: 0, trials: 0 } }, zero)).toBe('refresh')
    expect(classify({ costUsd: 0.001, winRate: { wins: 0, trials: 0 } }, zero)).toBe('change')
    expect(classify({ costUsd: 0, winRate: { wins: 1, trials: 2 } }, zero)).toBe('change') // evidence appears
    expect(withinRel(0, 0, 0.1)).toBe(true)
    expect(withinRel(0, 1e-9, 0.1)).toBe(false)
    expect(withinRel(5, Number.NaN, 0.1)).toBe(false)
  })

  it('any change of endpoint, region, tags or capability is a change', () => {
    expect(classify({ endpoint: 'http://127.0.0.1:9002' })).toBe('change')
    expect(classify({ region: 'us' })).toBe('change')
    expect(classify({ tags: ['gpu'] })).toBe('change')
    expect(classify({ capability: 'code-review' })).toBe('change')
    expect(classify({ originPeerId: 'other-key' })).toBe('change')
  })

  it('tags compare as a set', () => {
    expect(classify({ tags: ['b', 'a'] }, { ...BASE, tags: ['a', 'b'] })).toBe('refresh')
  })
})
