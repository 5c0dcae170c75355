import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rankResolve, RESOLVE_STEPS, type ResolveCandidate } from '../../../agp/decision/resolve-rank.ts'
import { decideReason } from '../../../agp/decision/step.ts'
import { resolveScore } from '../../../agp/decision/resolve-score.ts'
import { siteCost, type SiteRanking } from '../../../agp/decision/site-preference.ts'
import { evidenceHalfLifeMs } from '../../../agp/freshness/freshness.ts'
import { DEFAULT_FRESHNESS } from '../../../agp/params.ts'
import { LocRib, type PathCandidate } from '../../../agp/rib/loc-rib.ts'
import { routePathKey } from '../../../agp/route/route.ts'
import { LocalOutcomes } from '../../../agp/winrate/local-outcomes.ts'
import { type KeptRanking, type RankedPath, ResolveRanking, withMeasured } from '../../../reflector/resolve-ranking.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const CAPABILITY = 'code-review/python'
const F = DEFAULT_FRESHNESS
const HALF_LIFE_MS = evidenceHalfLifeMs(F)

// Small domains on purpose: equal scores, ids and ages, so every step and tie-break runs.
const setArb = fc.record({
  op: fc.constant('set' as const),
  org: fc.constantFrom('acme', 'beta', 'gamma'),
  agent: fc.constantFrom('x', 'y', 'z', 'w'),
  fromPeer: fc.constantFrom('', 'rr1', 'rr2'),
  wins: fc.integer({ min: 0, max: 20 }),
  extra: fc.integer({ min: 0, max: 20 }),
  measuredAtMs: fc.constantFrom(0, 60_000, 600_000),
  costUsd: fc.constantFrom(0, 0.1, 0.4),
  p95: fc.constantFrom(1000, 2000),
  usable: fc.boolean(),
  localPref: fc.constantFrom(100, 100, 200),
  stale: fc.boolean()
})
const deleteArb = fc.record({
  op: fc.constant('delete' as const),
  org: fc.constantFrom('acme', 'beta', 'gamma'),
  agent: fc.constantFrom('x', 'y', 'z', 'w'),
  fromPeer: fc.constantFrom('', 'rr1', 'rr2')
})
// A consumer's outcome (evidence, breaker after failures in a row, measured latency and cost).
const outcomeArb = fc.record({
  op: fc.constant('outcome' as const),
  org: fc.constantFrom('acme', 'beta', 'gamma'),
  agent: fc.constantFrom('x', 'y', 'z', 'w'),
  success: fc.boolean(),
  failures: fc.constantFrom(1, 5),
  latencyMs: fc.option(fc.constantFrom(500, 3000), { nil: undefined })
})
const resolveArb = fc.record({
  op: fc.constant('resolve' as const),
  advanceMs: fc.constantFrom(0, 1, 30_000, 400_000),
  congested: fc.subarray(['acme/x', 'beta/y', 'gamma/z', 'acme/w'])
})
// Every path re-advertised by its origin: new route objects, a later measuredAtMs, nothing else changed.
const refreshArb = fc.record({ op: fc.constant('refresh' as const), measuredAtMs: fc.constantFrom(60_000, 600_000, 900_000) })
const opArb = fc.oneof(setArb, setArb, setArb, deleteArb, outcomeArb, resolveArb, resolveArb, refreshArb)

type SetOp = typeof setArb extends fc.Arbitrary<infer T> ? T : never

function candidate (o: SetOp): PathCandidate {
  const route = makeRoute({
    capability: CAPABILITY,
    originOrg: o.org,
    agentId: o.agent,
    originPeerId: `peer-${o.org}`,
    costUsd: o.costUsd,
    latencyMs: { p95: o.p95 },
    winRate: { wins: o.wins, trials: o.wins + o.extra, measuredAtMs: o.measuredAtMs }
  })
  return { route, fromPeer: o.fromPeer, usable: o.usable, localPref: o.localPref, stale: o.stale, suppressed: !o.usable }
}

function refreshed (c: PathCandidate, measuredAtMs: number): PathCandidate {
  const a = c.route.attrs
  return { ...c, route: { ...c.route, attrs: { ...a, originSeq: a.originSeq + 1, winRate: { ...a.winRate, measuredAtMs } } } }
}

function pathsOf (kept: KeptRanking): RankedPath[] {
  return Array.from({ length: kept.length }, (_, i) => kept.pathAt(i))
}

/** What resolve ranked before the ranking was kept: every usable path scored and sorted from scratch. */
function freshRanking (order: readonly PathCandidate[], outcomes: LocalOutcomes, congested: ReadonlySet<string>, site: SiteRanking, nowMs: number): ResolveCandidate[] {
  const cands = order.filter((c) => c.usable).map((c): ResolveCandidate => {
    const key = routePathKey(c.route)
    return {
      ...c,
      siteCost: siteCost(c.route, site),
      score: resolveScore(withMeasured(c.route.attrs, outcomes.measured(key)), outcomes.get(key, nowMs), nowMs, F),
      congested: congested.has(key),
      breakerOpen: !outcomes.admits(key, nowMs)
    }
  })
  return rankResolve(cands).map((r) => r.candidate)
}

describe('kept resolve ranking', () => {
  it('equals a fresh full ranking after any sequence of updates, withdrawals, outcomes and time', () => {
    // settled: how a change is read in as it settles, as a speaker does ahead of resolves:
    // not at all, always (prepare) or once a resolve asked (update).
    const settledArb = fc.constantFrom('none' as const, 'prepare' as const, 'update' as const)
    fc.assert(fc.property(fc.array(opArb, { minLength: 10, maxLength: 80 }), fc.boolean(), settledArb, (ops, withSites, settled) => {
      const site: SiteRanking = withSites ? { org: 'acme', site: 'acme', sitePreference: { 'acme-b': 5 } } : { org: 'acme', site: 'acme' }
      const rib = new LocRib({ maxPathsPerCapability: 6 })
      const outcomes = new LocalOutcomes({ halfLifeMs: HALF_LIFE_MS })
      const ranking = new ResolveRanking(site)
      let nowMs = 0
      for (const o of ops) {
        if (o.op === 'set') rib.apply([{ op: 'set', candidate: candidate(o) }])
        else if (o.op === 'refresh') {
          const order = rib.rankedPaths(CAPABILITY)
          const all = [...new Set(order.flatMap((c) => rib.copiesOf(CAPABILITY, routePathKey(c.route))))]
          rib.apply(all.map((c) => ({ op: 'set' as const, candidate: refreshed(c, o.measuredAtMs) })))
        } else if (o.op === 'delete') rib.apply([{ op: 'delete', capability: CAPABILITY, path: `${o.org}/${o.agent}`, fromPeer: o.fromPeer }])
        if (settled !== 'none' && (o.op === 'set' || o.op === 'refresh' || o.op === 'delete')) {
          const key = rib.capabilityKey(CAPABILITY)
          if (key !== undefined) {
            if (settled === 'prepare') ranking.prepare(key, rib.rankedPaths(CAPABILITY))
            else ranking.update(key, rib.rankedPaths(CAPABILITY))
          }
        }
        if (o.op === 'outcome') {
          for (let i = 0; i < (o.success ? 1 : o.failures); i++) {
            outcomes.recordOutcome(`${o.org}/${o.agent}`, o.success, nowMs, o.latencyMs === undefined ? {} : { latencyMs: o.latencyMs })
          }
        } else if (o.op === 'resolve') {
          nowMs += o.advanceMs
          const congested = new Set(o.congested)
          const order = rib.rankedPaths(CAPABILITY)
          const ranked = ranking.rank(rib.capabilityKey(CAPABILITY), order, { outcomes, congestedPaths: congested, freshness: F, halfLifeMs: HALF_LIFE_MS }, nowMs)
          const kept = pathsOf(ranked)
          const fresh = freshRanking(order, outcomes, congested, site, nowMs)
          expect(kept.map((r) => routePathKey(r.route))).toEqual(fresh.map((r) => routePathKey(r.route)))
          // Same bits, not just the same order: the score is part of the answer.
          expect(kept.map((r) => r.score)).toEqual(fresh.map((r) => r.score))
          expect(kept.map((r) => r.copy)).toEqual(fresh.map((r) => order.find((c) => c.route === r.route)))
          expect(kept.map((r, i) => ranked.scoreAt(i) === r.score && ranked.copyAt(i) === r.copy && ranked.keyAt(i) === r.key && ranked.breakerOpenAt(i) === r.breakerOpen))
            .toEqual(kept.map(() => true))
          // The reason between any two positions (an answer's constraints skip some), as the steps name it.
          for (let i = 0; i < kept.length; i++) {
            for (let j = i + 1; j < kept.length; j++) {
              expect(ranked.reason(i, j)).toBe(decideReason(RESOLVE_STEPS, fresh[i] as ResolveCandidate, fresh[j] as ResolveCandidate))
            }
          }
        }
      }
    }), { numRuns })
  })

  it('reads a capability\'s paths again only when they changed, and only the changed ones', () => {
    const rib = new LocRib({ maxPathsPerCapability: 8 })
    const outcomes = new LocalOutcomes({ halfLifeMs: HALF_LIFE_MS })
    const ranking = new ResolveRanking({ org: 'acme', site: 'acme' })
    const facts = { outcomes, freshness: F, halfLifeMs: HALF_LIFE_MS }
    const add = (agentId: string, wins: number): void => {
      rib.apply([{ op: 'set', candidate: { route: makeRoute({ agentId, winRate: { wins, trials: 20 } }), fromPeer: '', usable: true, localPref: 100, stale: false, suppressed: false } }])
    }
    add('a', 10)
    add('b', 15)
    const rank = (nowMs: number): KeptRanking => ranking.rank(rib.capabilityKey(CAPABILITY), rib.rankedPaths(CAPABILITY), facts, nowMs)
    rank(0)
    rank(1000)
    expect([ranking.reads, ranking.pathsRead]).toEqual([1, 2])
    add('c', 20)
    const ranked = rank(2000)
    // Only the new path is read from its route; a and b keep what the first read found.
    expect([ranking.reads, ranking.pathsRead]).toEqual([2, 3])
    expect(pathsOf(ranked).map((r) => r.route.attrs.agentId)).toEqual(['c', 'b', 'a'])
  })

  it('reads re-advertised paths into the kept ranking', () => {
    const rib = new LocRib({ maxPathsPerCapability: 8 })
    const outcomes = new LocalOutcomes({ halfLifeMs: HALF_LIFE_MS })
    const ranking = new ResolveRanking({ org: 'acme', site: 'acme' })
    const facts = { outcomes, freshness: F, halfLifeMs: HALF_LIFE_MS }
    const candidateOf = (agentId: string, wins: number, measuredAtMs: number): PathCandidate =>
      ({ route: makeRoute({ agentId, winRate: { wins, trials: 20, measuredAtMs } }), fromPeer: '', usable: true, localPref: 100, stale: false, suppressed: false })
    rib.apply([{ op: 'set', candidate: candidateOf('a', 10, 0) }, { op: 'set', candidate: candidateOf('b', 15, 0) }])
    const rank = (nowMs: number): KeptRanking => ranking.rank(rib.capabilityKey(CAPABILITY), rib.rankedPaths(CAPABILITY), facts, nowMs)
    rank(1000)
    const before = rib.rankedPaths(CAPABILITY)
    rib.apply([{ op: 'set', candidate: candidateOf('a', 10, 5000) }, { op: 'set', candidate: candidateOf('b', 15, 5000) }])
    expect(rib.rankedPaths(CAPABILITY)).not.toBe(before)
    const ranked = rank(6000)
    expect([ranking.reads, ranking.pathsRead]).toEqual([2, 4])
    expect(pathsOf(ranked).map((r) => r.copy)).toEqual(['b', 'a'].map((id) => rib.rankedPaths(CAPABILITY).find((c) => c.route.attrs.agentId === id)))
    expect(pathsOf(ranked).map((r) => r.score)).toEqual(freshRanking(rib.rankedPaths(CAPABILITY), outcomes, new Set(), { org: 'acme', site: 'acme' }, 6000).map((r) => r.score))
  })
})
