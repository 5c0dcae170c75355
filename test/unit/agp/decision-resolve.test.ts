import { describe, expect, it } from 'vitest'
import { compareResolve, decideResolveLocalSteps, rankResolve, RESOLVE_STEPS, type ResolveCandidate } from '../../../agp/decision/resolve-rank.ts'
import { quantizeScore } from '../../../agp/decision/global-order.ts'
import { decideReason, EQUAL_REASON } from '../../../agp/decision/step.ts'
import { advertisedEvidenceAt, capAdvertised, MAX_ADVERTISED_TRIALS, resolveScore } from '../../../agp/decision/resolve-score.ts'
import { globalScore } from '../../../agp/decision/score.ts'
import { DEFAULT_FRESHNESS } from '../../../agp/params.ts'
import type { Route } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const F = DEFAULT_FRESHNESS // evidence half-life 300 s
const A = makeRoute({ originOrg: 'acme', costUsd: 0.4, latencyMs: { p95: 2000 }, winRate: { wins: 80, trials: 100 } })
const C = makeRoute({ originOrg: 'initech', costUsd: 0.1, latencyMs: { p95: 1200 }, winRate: { wins: 9, trials: 10 } })

describe('resolveScore', () => {
  it('equals globalScore for fresh evidence and no local outcomes', () => {
    expect(resolveScore(A.attrs, undefined, 0, F)).toBe(globalScore(A.attrs))
  })

  it('decays advertised evidence from measuredAtMs with half-life staleS', () => {
    expect(advertisedEvidenceAt(A.attrs, 300_000, F)).toEqual({ wins: 40, trials: 50 })
    // LB(40/50) = 0.682248; − 0.04 − 0.04
    expect(resolveScore(A.attrs, undefined, 300_000, F)).toBeCloseTo(0.602248, 5)
  })

  it('adds the consumer’s own outcomes', () => {
    // C with 10/10 local successes: LB(19/20) = 0.805119 − 0.01 − 0.024
    expect(resolveScore(C.attrs, { wins: 10, trials: 10 }, 0, F)).toBeCloseTo(0.725119, 5)
    // C with 0/10: LB(9/20) = 0.294658 − 0.034
    expect(resolveScore(C.attrs, { wins: 0, trials: 10 }, 0, F)).toBeCloseTo(0.260658, 5)
  })

  it('caps advertised trials so a consumer’s own outcomes still count', () => {
    expect(MAX_ADVERTISED_TRIALS).toBe(1000)
    expect(capAdvertised({ wins: 80, trials: 100 })).toEqual({ wins: 80, trials: 100 })
    expect(capAdvertised({ wins: 999_000_000, trials: 1_000_000_000 })).toEqual({ wins: 999, trials: 1000 })
    const inflated = makeRoute({ agentId: 'inflated', winRate: { wins: 999_000_000, trials: 1_000_000_000, measuredAtMs: 0 } })
    // 200 local failures: against 1e9 claimed trials they would vanish; against the cap
    // (999/1000 + 0/200 = 999/1200) they pull the bound well below the claim.
    const honest = resolveScore(inflated.attrs, undefined, 0, F)
    const afterFailures = resolveScore(inflated.attrs, { wins: 0, trials: 200 }, 0, F)
    expect(honest - afterFailures).toBeGreaterThan(0.1)
  })
})

describe('rankResolve', () => {
  function rc (route: Route, score: number): ResolveCandidate {
    return { route, fromPeer: 'rr1', usable: true, localPref: 100, stale: false, siteCost: 0, score }
  }
  it('lets local evidence reorder what the global order says', () => {
    expect(globalScore(A.attrs)).toBeGreaterThan(globalScore(C.attrs))
    const r = rankResolve([rc(A, resolveScore(A.attrs, undefined, 0, F)), rc(C, resolveScore(C.attrs, { wins: 10, trials: 10 }, 0, F))])
    expect(r.map((e) => [e.candidate.route.attrs.originOrg, e.reason])).toEqual([['initech', 'best'], ['acme', 'higher-resolve-score']])
  })
  it('keeps usable, an open breaker, local preference and freshness in front', () => {
    expect(RESOLVE_STEPS.slice(0, 7).map((s) => s.name)).toEqual(['usable-first', 'breaker-closed-first', 'higher-local-pref', 'fresh-before-stale', 'uncongested-first', 'nearest-site-first', 'higher-resolve-score'])
    const r = rankResolve([{ ...rc(C, 0.9), stale: true }, rc(A, 0.1)])
    expect(r[0]!.candidate.route).toBe(A)
    expect(r[1]!.reason).toBe('fresh-before-stale')
  })
  it('ranks a congested path below an uncongested one whatever the score, and says so', () => {
    const r = rankResolve([{ ...rc(C, 0.9), congested: true }, rc(A, 0.1)])
    expect(r.map((e) => [e.candidate.route.attrs.originOrg, e.reason])).toEqual([['acme', 'best'], ['initech', 'uncongested-first']])
    // Stale still speaks before congestion; the score decides between two congested paths.
    const s = rankResolve([{ ...rc(C, 0.9), congested: true }, { ...rc(A, 0.1), stale: true }])
    expect(s[1]!.reason).toBe('fresh-before-stale')
    const t = rankResolve([{ ...rc(C, 0.9), congested: true }, { ...rc(A, 0.1), congested: true }])
    expect(t.map((e) => [e.candidate.route.attrs.originOrg, e.reason])).toEqual([['initech', 'best'], ['acme', 'higher-resolve-score']])
  })
  it('falls back to the global order for equal resolve scores', () => {
    const r = rankResolve([rc(C, 0.5), rc(A, 0.5)])
    expect(r[1]!.reason).toBe('higher-score')
  })
})

describe('decideResolveLocalSteps', () => {
  it('names the step RESOLVE_STEPS would, with its sign, or ties where the global steps decide', () => {
    const base: ResolveCandidate = { route: A, fromPeer: '', usable: true, localPref: 100, stale: false, siteCost: 0, score: 0.5, congested: false, breakerOpen: false }
    const variants: Partial<ResolveCandidate>[] = [
      {}, { breakerOpen: true }, { localPref: 200 }, { localPref: NaN }, { stale: true }, { congested: true },
      { siteCost: 5 }, { siteCost: Infinity }, { score: 0.6 }, { score: 0.5 + 1e-13 }, { score: -Infinity }, { route: C }
    ]
    for (const x of variants) {
      for (const y of variants) {
        const a = { ...base, ...x }
        const b = { ...base, ...y }
        const step = decideResolveLocalSteps(a.breakerOpen === true, b.breakerOpen === true, a.localPref, b.localPref, a.stale, b.stale,
          a.congested === true, b.congested === true, a.siteCost, b.siteCost, quantizeScore(a.score), quantizeScore(b.score))
        const reason = decideReason(RESOLVE_STEPS, a, b)
        if (step === 0) {
          // Every local step tied: a global step (after higher-resolve-score) decides, or nothing does.
          const decided = RESOLVE_STEPS.findIndex((s) => s.name === reason)
          expect(reason === EQUAL_REASON || decided > RESOLVE_STEPS.findIndex((s) => s.name === 'higher-resolve-score')).toBe(true)
        } else {
          expect(RESOLVE_STEPS[Math.abs(step)]?.name).toBe(reason)
          expect(Math.sign(step)).toBe(Math.sign(compareResolve(a, b)))
        }
      }
    }
  })
})
