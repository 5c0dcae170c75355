import { describe, expect, it } from 'vitest'
import { cachedGlobalScoreKey, compareGlobal, decideGlobal, GLOBAL_STEPS, quantizeScore } from '../../../agp/decision/global-order.ts'
import { DEFAULT_SCORE_WEIGHTS, globalScore, utility, validateScoreWeights, WORST_SCORE } from '../../../agp/decision/score.ts'
import { bestBy, decide, EQUAL_REASON, rankBy, type DecisionStep } from '../../../agp/decision/step.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

describe('decide', () => {
  const steps: DecisionStep<{ x: number, y: number }>[] = [
    { name: 'lower-x', compare: (a, b) => a.x - b.x },
    { name: 'lower-y', compare: (a, b) => a.y - b.y }
  ]
  it('names the first step that tells the candidates apart', () => {
    expect(decide(steps, { x: 1, y: 9 }, { x: 2, y: 0 })).toEqual({ cmp: -1, reason: 'lower-x' })
    expect(decide(steps, { x: 1, y: 9 }, { x: 1, y: 0 })).toEqual({ cmp: 1, reason: 'lower-y' })
    expect(decide(steps, { x: 1, y: 1 }, { x: 1, y: 1 })).toEqual({ cmp: 0, reason: EQUAL_REASON })
  })
  it('treats a NaN from a comparator as a tie', () => {
    expect(decide([{ name: 'nan', compare: () => Number.NaN }, ...steps], { x: 1, y: 0 }, { x: 2, y: 0 }).reason).toBe('lower-x')
  })
  it('ranks with reasons and finds the best without sorting', () => {
    const r = rankBy(steps, [{ x: 2, y: 0 }, { x: 1, y: 5 }, { x: 1, y: 3 }])
    expect(r.map((e) => e.reason)).toEqual(['best', 'lower-y', 'lower-x'])
    expect(bestBy(steps, [{ x: 2, y: 0 }, { x: 1, y: 5 }])).toEqual({ x: 1, y: 5 })
    expect(bestBy(steps, [])).toBeUndefined()
  })
})

describe('globalScore (default utility)', () => {
  it('is LB − 0.1·USD − 0.02·p95 s (worked examples of docs/decision-process.md)', () => {
    // A: 80/100, $0.40, p95 2 s → 0.721071 − 0.04 − 0.04
    expect(globalScore(makeRoute({ costUsd: 0.4, latencyMs: { p95: 2000 }, winRate: { wins: 80, trials: 100 } }).attrs)).toBeCloseTo(0.641071, 5)
    // B: 450/500, $1.50, p95 6 s → 0.874046 − 0.15 − 0.12
    expect(globalScore(makeRoute({ costUsd: 1.5, latencyMs: { p95: 6000 }, winRate: { wins: 450, trials: 500 } }).attrs)).toBeCloseTo(0.604046, 5)
    // C: 9/10, $0.10, p95 1.2 s → 0.600770 − 0.01 − 0.024
    expect(globalScore(makeRoute({ costUsd: 0.1, latencyMs: { p95: 1200 }, winRate: { wins: 9, trials: 10 } }).attrs)).toBeCloseTo(0.566770, 5)
  })

  it('is never NaN or +∞: bad cost or latency is the worst score', () => {
    expect(globalScore(makeRoute({ costUsd: Number.NaN }).attrs)).toBe(WORST_SCORE)
    expect(globalScore(makeRoute({ costUsd: -1 }).attrs)).toBe(WORST_SCORE)
    expect(globalScore(makeRoute({ latencyMs: { p95: Infinity } }).attrs)).toBe(WORST_SCORE)
    expect(utility({ wins: 1, trials: 1 }, 0, 0, { costWeight: Infinity, latencyWeight: 0, z: 1.645 })).toBe(WORST_SCORE)
  })

  it('validates weights', () => {
    expect(validateScoreWeights(DEFAULT_SCORE_WEIGHTS)).toEqual([])
    expect(validateScoreWeights({ costWeight: -0.1, latencyWeight: Number.NaN, z: 0 })).toHaveLength(3)
  })
})

describe('compareGlobal', () => {
  const good = makeRoute({ originOrg: 'zeta', agentId: 'z', originPeerId: 'peer-z', winRate: { wins: 95, trials: 100 } })
  const poor = makeRoute({ originOrg: 'alpha', agentId: 'a', originPeerId: 'peer-a', winRate: { wins: 50, trials: 100 } })

  it('prefers the higher score first', () => {
    expect(compareGlobal(good, poor)).toBeLessThan(0)
    expect(decideGlobal(poor, good)).toEqual({ cmp: 1, reason: 'higher-score' })
  })

  it('then the lower origin peer id, then the path id', () => {
    const a = makeRoute({ originOrg: 'zeta', agentId: 'z', originPeerId: 'peer-1' })
    const b = makeRoute({ originOrg: 'alpha', agentId: 'a', originPeerId: 'peer-2' })
    expect(decideGlobal(a, b)).toEqual({ cmp: -1, reason: 'lower-originator-id' })
    const c = makeRoute({ originOrg: 'acme', agentId: 'b' })
    const d = makeRoute({ originOrg: 'acme', agentId: 'a' })
    expect(decideGlobal(c, d)).toEqual({ cmp: 1, reason: 'lower-path-id' })
    // Tuple order, not string order of 'org/agent': 'a-x' < 'a' is false, 'a' < 'a-x' is true.
    expect(compareGlobal(makeRoute({ originOrg: 'a', agentId: 'z' }), makeRoute({ originOrg: 'a-x', agentId: 'a' }))).toBeLessThan(0)
  })

  it('calls two copies of one path equal', () => {
    expect(decideGlobal(makeRoute(), makeRoute({}, { clusterList: ['c1'] })).reason).toBe(EQUAL_REASON)
  })

  it('has no viewer-dependent term: path attributes never change the order', () => {
    const a = makeRoute({ originOrg: 'acme', agentId: 'x', winRate: { wins: 70, trials: 100 } })
    const b = makeRoute({ originOrg: 'beta', agentId: 'y', winRate: { wins: 72, trials: 100 } })
    const a2 = { ...a, orgPath: ['r1', 'r2', 'acme'], clusterList: ['c1', 'c2'], originatorId: 'zz', pathTags: ['t'] }
    expect(Math.sign(compareGlobal(a, b))).toBe(Math.sign(compareGlobal(a2, b)))
    expect(GLOBAL_STEPS.map((s) => s.name)).toEqual(['higher-score', 'lower-originator-id', 'lower-path-id'])
  })

  it('compares scores on a 1e-12 grid, which stays transitive (unlike |a − b| < ε)', () => {
    expect(quantizeScore(0.5)).toBe(quantizeScore(0.5 + 1e-17))
    // 0 ≈ 0.6e-12 ≈ 1.2e-12 under ε = 1e-12, but 0 < 1.2e-12: the grid never says both.
    const q = [0, 0.6e-12, 1.2e-12].map(quantizeScore)
    expect(q[0]! <= q[1]! && q[1]! <= q[2]!).toBe(true)
    expect(q[0]).toBeLessThan(q[2]!)
    expect(quantizeScore(-Infinity)).toBe(-Infinity)
  })

  it('ranks a broken route below every real one', () => {
    const broken = makeRoute({ originOrg: 'aaa', costUsd: Number.NaN, originPeerId: 'peer-0' })
    expect(compareGlobal(broken, poor)).toBeGreaterThan(0)
  })
})

describe('cachedGlobalScoreKey', () => {
  it('is the quantized global score, kept with the attributes and not taken by a changed copy', () => {
    const route = makeRoute({ costUsd: 0.4 })
    const key = cachedGlobalScoreKey(route)
    expect(key).toBe(quantizeScore(globalScore(route.attrs)))
    expect(cachedGlobalScoreKey(route)).toBe(key)
    const dearer = { ...route, attrs: { ...route.attrs, costUsd: 4 } }
    expect(cachedGlobalScoreKey(dearer)).toBe(quantizeScore(globalScore(dearer.attrs)))
    expect(cachedGlobalScoreKey(dearer)).not.toBe(key)
    expect(Object.keys(route.attrs)).toEqual(Object.keys(dearer.attrs))
    expect(JSON.stringify({ ...route.attrs, costUsd: 4 })).toBe(JSON.stringify(dearer.attrs))
    const frozen = Object.freeze({ ...route, attrs: Object.freeze({ ...route.attrs }) })
    expect(cachedGlobalScoreKey(frozen)).toBe(key)
  })
})
