/**
 * Ranking for GET /v1/resolve: the local ranking with the breaker, congestion and site
 * steps and the local resolve score in front of the global order. Usable comes first,
 * then a path whose circuit breaker is open goes below every other (breaker-step.ts);
 * local preference and freshness next; then a path this node found congested goes below
 * one it did not (congestion-step.ts); then the site distance (site-preference.ts, off
 * unless configured);
 * between candidates equal on those, what this consumer has seen (its own outcomes,
 * decayed evidence) decides; the global order breaks what remains, so the ranking is a
 * strict total order over distinct path ids.
 */
import { breakerClosedFirst, type BreakerFacts } from './breaker-step.ts'
import { freshBeforeStale, higherLocalPref, usableFirst, type LocalCandidate } from './candidate.ts'
import { uncongestedFirst, type CongestionFacts } from './congestion-step.ts'
import { quantizeScore } from './global-order.ts'
import { nearestSiteFirst, type SiteCosted } from './site-preference.ts'
import { GLOBAL_CANDIDATE_STEPS } from './local-rank.ts'
import { compareBy, higherFirst, lowerFirst, rankBy, trueFirst, type DecisionStep, type Ranked } from './step.ts'

export interface ResolveCandidate extends LocalCandidate, CongestionFacts, SiteCosted, BreakerFacts {
  /** resolveScore() of the candidate, computed once by the caller. */
  readonly score: number
}

export const higherResolveScore: DecisionStep<ResolveCandidate> = {
  name: 'higher-resolve-score',
  rfc: 'RFC 4271 §9.1.1 (local degree of preference)',
  // Same 1e-12 grid as the global score, so the order stays transitive.
  compare: (a, b) => higherFirst(quantizeScore(a.score), quantizeScore(b.score))
}

export const RESOLVE_STEPS: readonly DecisionStep<ResolveCandidate>[] = Object.freeze([
  usableFirst, breakerClosedFirst, higherLocalPref, freshBeforeStale, uncongestedFirst, nearestSiteFirst, higherResolveScore, ...GLOBAL_CANDIDATE_STEPS
])

export function compareResolve (a: ResolveCandidate, b: ResolveCandidate): number {
  return compareBy(RESOLVE_STEPS, a, b)
}

/** A resolve candidate with quantizeScore(score) computed once (per ranking pass). */
export interface QuantizedResolveCandidate extends ResolveCandidate {
  readonly quantizedScore: number
}

/**
 * compareResolve, without walking the steps when the score decides: two candidates
 * equal on every step above higher-resolve-score (each a plain field) whose quantized
 * scores differ are ordered by them, exactly as the steps would order them. Everything
 * else (a tie on the score, a NaN, a difference above it) goes through compareResolve.
 * A kept ranking checks its order with this on every resolve.
 */
export function compareResolveQuantized (a: QuantizedResolveCandidate, b: QuantizedResolveCandidate): number {
  if (a.usable === b.usable && (a.breakerOpen === true) === (b.breakerOpen === true) && a.localPref === b.localPref &&
    !a.stale === !b.stale && (a.congested === true) === (b.congested === true) && a.siteCost === b.siteCost) {
    if (a.quantizedScore > b.quantizedScore) return -1
    if (a.quantizedScore < b.quantizedScore) return 1
  }
  return compareResolve(a, b)
}

/**
 * RESOLVE_STEPS from breaker-closed-first to higher-resolve-score, inlined (same steps,
 * same order, same building blocks) over plain values, for a ranking that keeps its
 * candidates' facts in flat arrays: two usable candidates, each as its breaker state,
 * local preference, staleness, congestion, site cost and quantizeScore(score). Returns
 * the deciding step's index in RESOLVE_STEPS, negated when a ranks above b; 0 when they
 * tie on all of these, and then the global steps decide (compareGlobal on the routes).
 */
export function decideResolveLocalSteps (
  breakerOpenA: boolean, breakerOpenB: boolean, localPrefA: number, localPrefB: number, staleA: boolean, staleB: boolean,
  congestedA: boolean, congestedB: boolean, siteCostA: number, siteCostB: number, quantizedScoreA: number, quantizedScoreB: number
): number {
  let c = trueFirst(!breakerOpenA, !breakerOpenB)
  if (c !== 0) return c * BREAKER_STEP
  c = higherFirst(localPrefA, localPrefB)
  if (c !== 0) return c * LOCAL_PREF_STEP
  c = trueFirst(!staleA, !staleB)
  if (c !== 0) return c * FRESH_STEP
  c = trueFirst(!congestedA, !congestedB)
  if (c !== 0) return c * CONGESTION_STEP
  c = lowerFirst(siteCostA, siteCostB)
  if (c !== 0) return c * SITE_STEP
  c = higherFirst(quantizedScoreA, quantizedScoreB)
  return c * SCORE_STEP
}

// Where each inlined step sits in RESOLVE_STEPS (test/unit/decision checks the names).
const BREAKER_STEP = RESOLVE_STEPS.indexOf(breakerClosedFirst)
const LOCAL_PREF_STEP = RESOLVE_STEPS.indexOf(higherLocalPref)
const FRESH_STEP = RESOLVE_STEPS.indexOf(freshBeforeStale)
const CONGESTION_STEP = RESOLVE_STEPS.indexOf(uncongestedFirst)
const SITE_STEP = RESOLVE_STEPS.indexOf(nearestSiteFirst)
const SCORE_STEP = RESOLVE_STEPS.indexOf(higherResolveScore)

export function rankResolve<T extends ResolveCandidate> (cands: readonly T[]): Ranked<T>[] {
  return rankBy<T>(RESOLVE_STEPS, cands)
}
