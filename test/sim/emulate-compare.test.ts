/** The emulation verdict: same paths, same order wherever scores differ (tables.ts). */
import { describe, expect, it } from 'vitest'
import { agree, compareFinal, scoreKey, tableOf, type RouteRow } from '../../simulations/emulate/tables.ts'

const row = (org: string, agent: string, costUsd: number, usable = true, capability = 'code-review'): RouteRow => ({
  capability, org, agent, usable, costUsd, latencyMs: { p50: 100, p95: 200 }, winRate: { wins: 8, trials: 10 }
})

describe('emulation comparison', () => {
  it('builds the final shape from GET /v1/routes rows: usable only, API order kept, capabilities sorted', () => {
    const { table, scores } = tableOf([row('b', 'x', 0.2), row('a', 'y', 0.1), row('c', 'z', 0.3, false), row('a', 's', 0, true, 'alpha')])
    expect(table).toEqual({ alpha: ['a/s'], 'code-review': ['b/x', 'a/y'] })
    expect(Object.keys(table)).toEqual(['alpha', 'code-review'])
    expect(scores.get('a/y')).toBeGreaterThan(scores.get('b/x') ?? Infinity)
  })

  it('accepts a different order only among paths with equal scores', () => {
    const tie = new Map([['a/x', 5], ['b/x', 5], ['c/x', 9]])
    expect(agree(['c/x', 'a/x', 'b/x'], ['c/x', 'b/x', 'a/x'], tie)).toBe(true)
    expect(agree(['c/x', 'a/x', 'b/x'], ['a/x', 'c/x', 'b/x'], tie)).toBe(false)
    // Unknown scores never count as ties.
    expect(agree(['a/x', 'b/x'], ['b/x', 'a/x'], new Map())).toBe(false)
  })

  it('reports a different set of paths, a missing capability and a missing node', () => {
    const scores = new Map([['n1', new Map([['a/x', 1], ['b/x', 2]])]])
    const diff = compareFinal(
      { n1: { cap: ['b/x', 'a/x'], other: ['a/y'] }, n2: { cap: ['a/x'] } },
      { n1: { cap: ['b/x'] }, n2: { cap: ['a/x'] }, n3: {} },
      scores
    )
    expect(diff).toEqual([
      { node: 'n1', capability: 'cap', simulated: ['b/x', 'a/x'], emulated: ['b/x'] },
      { node: 'n1', capability: 'other', simulated: ['a/y'], emulated: [] }
    ])
    expect(compareFinal({ n: {} }, { n: {} }, new Map())).toEqual([])
  })

  it('scores as the global order does: cheaper is better, same attributes tie', () => {
    expect(scoreKey(row('a', 'x', 0.1))).toBeGreaterThan(scoreKey(row('a', 'x', 0.5)))
    expect(scoreKey(row('a', 'x', 0.1))).toBe(scoreKey(row('b', 'y', 0.1)))
  })
})
