import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareGlobal } from '../../../agp/decision/global-order.ts'
import { collapseCopies, compareLocal, rankLocal, type LocalCandidate } from '../../../agp/decision/local-rank.ts'
import { quantizeScore } from '../../../agp/decision/global-order.ts'
import { compareResolve, compareResolveQuantized, RESOLVE_STEPS, type ResolveCandidate } from '../../../agp/decision/resolve-rank.ts'
import { bestBy, type DecisionStep } from '../../../agp/decision/step.ts'
import { routePathKey, type Route } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

// Small domains on purpose: many equal scores and ids, so every tie-breaker is exercised.
const routeArb: fc.Arbitrary<Route> = fc.record({
  originOrg: fc.constantFrom('a', 'b', 'a-x', 'acme'),
  agentId: fc.constantFrom('x', 'y', 'z'),
  originPeerId: fc.constantFrom('p1', 'p2', 'p3'),
  wins: fc.integer({ min: 0, max: 10 }),
  extra: fc.integer({ min: 0, max: 10 }),
  costUsd: fc.constantFrom(0, 0.1, 0.4, Number.NaN),
  p95: fc.constantFrom(1000, 2000),
  originSeq: fc.integer({ min: 1, max: 3 }),
  clusterList: fc.array(fc.constantFrom('c1', 'c2'), { maxLength: 2 }),
  orgPath: fc.array(fc.constantFrom('r', 's'), { maxLength: 2 })
}).map((r) => makeRoute(
  { originOrg: r.originOrg, agentId: r.agentId, originPeerId: r.originPeerId, costUsd: r.costUsd, originSeq: r.originSeq, latencyMs: { p95: r.p95 }, winRate: { wins: r.wins, trials: r.wins + r.extra } },
  { clusterList: r.clusterList, orgPath: [...r.orgPath, r.originOrg] }
))

const candArb: fc.Arbitrary<ResolveCandidate> = fc.record({
  route: routeArb,
  fromPeer: fc.constantFrom('rr1', 'rr2', 'rr3', ''),
  usable: fc.boolean(),
  localPref: fc.constantFrom(50, 100, 200),
  stale: fc.boolean(),
  siteCost: fc.constantFrom(0, 0, 5, Infinity),
  score: fc.constantFrom(0.1, 0.5, 0.5 + 1e-13, Number.NEGATIVE_INFINITY),
  congested: fc.boolean()
})

const keyOf = (c: { route: Route }): string => routePathKey(c.route)
const distinct = <T extends { route: Route }>(arb: fc.Arbitrary<T>, min = 0, max = 12): fc.Arbitrary<T[]> =>
  fc.uniqueArray(arb, { selector: keyOf, minLength: min, maxLength: max })
const routesDistinct = (min: number, max = 12): fc.Arbitrary<Route[]> =>
  fc.uniqueArray(routeArb, { selector: routePathKey, minLength: min, maxLength: max })

function assertStrictTotalOrder<T> (cmp: (a: T, b: T) => number, a: T, b: T, c: T): void {
  // Total and antisymmetric over distinct path ids.
  expect(cmp(a, b)).not.toBe(0)
  expect(Math.sign(cmp(a, b))).toBe(-Math.sign(cmp(b, a)))
  expect(cmp(a, a)).toBe(0)
  // Transitive.
  if (cmp(a, b) < 0 && cmp(b, c) < 0) expect(cmp(a, c)).toBeLessThan(0)
  if (cmp(a, b) > 0 && cmp(b, c) > 0) expect(cmp(a, c)).toBeGreaterThan(0)
}

describe('decision order properties', () => {
  it('compareGlobal is a strict total order over distinct path ids', () => {
    fc.assert(fc.property(routesDistinct(3, 3), ([a, b, c]) => {
      assertStrictTotalOrder(compareGlobal, a!, b!, c!)
    }), { numRuns })
  })

  it('compareLocal is a strict total order over distinct path ids', () => {
    fc.assert(fc.property(distinct(candArb, 3, 3), ([a, b, c]) => {
      assertStrictTotalOrder<LocalCandidate>(compareLocal, a!, b!, c!)
    }), { numRuns })
  })

  it('compareResolve is a strict total order over distinct path ids', () => {
    fc.assert(fc.property(distinct(candArb, 3, 3), ([a, b, c]) => {
      assertStrictTotalOrder(compareResolve, a!, b!, c!)
    }), { numRuns })
  })

  it('compareResolveQuantized orders as compareResolve does', () => {
    // The shortcut reads the fields of the steps above the score itself: it holds only for these steps in this order.
    expect(RESOLVE_STEPS.slice(0, 7).map((s) => s.name)).toEqual([
      'usable-first', 'breaker-closed-first', 'higher-local-pref', 'fresh-before-stale', 'uncongested-first', 'nearest-site-first', 'higher-resolve-score'
    ])
    const quantized = fc.tuple(candArb, fc.option(fc.boolean(), { nil: undefined }), fc.constantFrom(0.1, 0.5, 0.5 + 1e-13, 0.5 + 3e-12, Number.NaN, Number.NEGATIVE_INFINITY))
      .map(([c, breakerOpen, score]) => ({ ...c, breakerOpen, score, quantizedScore: quantizeScore(score) }))
    // Half the pairs agree on every step above the score, so the shortcut is taken.
    const pairs = fc.tuple(quantized, quantized, fc.boolean()).map(([a, b, tied]) => [a, tied
      ? { ...b, usable: a.usable, breakerOpen: a.breakerOpen, localPref: a.localPref, stale: a.stale, congested: a.congested, siteCost: a.siteCost }
      : b] as const)
    fc.assert(fc.property(pairs, ([a, b]) => {
      expect(compareResolveQuantized(a, b)).toBe(compareResolve(a, b))
      expect(compareResolveQuantized(b, a)).toBe(compareResolve(b, a))
    }), { numRuns: numRuns * 10 })
  })

  it('a ranking does not depend on insertion order', () => {
    const arb = distinct(candArb).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })))
    fc.assert(fc.property(arb, ([xs, shuffled]) => {
      const r1 = rankLocal(xs).map((e) => [keyOf(e.candidate), e.reason])
      const r2 = rankLocal(shuffled).map((e) => [keyOf(e.candidate), e.reason])
      expect(r2).toEqual(r1)
      const g1 = [...xs.map((x) => x.route)].sort(compareGlobal).map(routePathKey)
      const g2 = [...shuffled.map((x) => x.route)].sort(compareGlobal).map(routePathKey)
      expect(g2).toEqual(g1)
    }), { numRuns })
  })

  it('best(S ∪ T) ∈ {best(S), best(T)}', () => {
    const globalSteps: DecisionStep<Route>[] = [{ name: 'global', compare: compareGlobal }]
    const localSteps: DecisionStep<LocalCandidate>[] = [{ name: 'local', compare: compareLocal }]
    fc.assert(fc.property(distinct(candArb, 2), fc.nat(), (xs, cut) => {
      const i = 1 + (cut % (xs.length - 1))
      const s = xs.slice(0, i)
      const t = xs.slice(i)
      const best = bestBy(localSteps, xs)
      expect([bestBy(localSteps, s), bestBy(localSteps, t)]).toContain(best)
      const routes = xs.map((x) => x.route)
      const gBest = bestBy(globalSteps, routes)
      expect([bestBy(globalSteps, routes.slice(0, i)), bestBy(globalSteps, routes.slice(i))]).toContain(gBest)
    }), { numRuns })
  })

  it('keeping the top k by the global order one arrival at a time gives the same set as sorting all', () => {
    fc.assert(fc.property(routesDistinct(0, 16), fc.integer({ min: 1, max: 5 }), (routes, k) => {
      let kept: Route[] = []
      for (const r of routes) kept = [...kept, r].sort(compareGlobal).slice(0, k)
      expect(kept.map(routePathKey)).toEqual([...routes].sort(compareGlobal).slice(0, k).map(routePathKey))
    }), { numRuns })
  })

  it('collapseCopies does not depend on the order copies arrived in', () => {
    const copiesArb = fc.tuple(routeArb, fc.uniqueArray(candArb, { selector: (c) => c.fromPeer, minLength: 1, maxLength: 4 }))
      .map(([proto, cs]) => cs.map((c) => ({
        ...c,
        // Same path id, possibly different versions and path attributes.
        route: { ...c.route, attrs: { ...c.route.attrs, originOrg: proto.attrs.originOrg, agentId: proto.attrs.agentId } }
      })))
      .chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length })))
    fc.assert(fc.property(copiesArb, ([cs, shuffled]) => {
      expect(collapseCopies(shuffled)).toBe(collapseCopies(cs))
    }), { numRuns })
  })
})
