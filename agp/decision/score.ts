/**
 * The default utility of a route, from the origin's own signed attributes only:
 *
 *   score = winRateLowerBound(wins, trials) − costWeight · costUsd − latencyWeight · p95 (s)
 *
 * Units: a win-rate point is worth costWeight⁻¹ USD and latencyWeight⁻¹ seconds. With the
 * defaults, 0.1 of lower-bound win-rate = $1 per task = 5 s of p95 latency.
 *
 * globalScore() has no term for time or for who is looking: every node computes the
 * same number for the same attributes (docs/decision-process.md). It uses the
 * undecayed advertised evidence; age enters only the local resolve score.
 */
import type { RouteAttributes } from '../route/route.ts'
import { lowerBoundOfCounts } from '../winrate/estimator.ts'
import type { Evidence } from '../winrate/evidence.ts'

export interface ScoreWeights {
  /** Score lost per USD of cost per task. */
  readonly costWeight: number
  /** Score lost per second of p95 latency. */
  readonly latencyWeight: number
  /** One-sided z of the win-rate lower bound. */
  readonly z: number
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = Object.freeze({ costWeight: 0.1, latencyWeight: 0.02, z: 1.645 })

/** The score of a route nothing sensible can be said about: below every real score. */
export const WORST_SCORE = -Infinity

/**
 * The utility on given evidence. Cost and latency that are negative, NaN or infinite
 * count as infinitely bad, so the result is always a finite number or WORST_SCORE,
 * never NaN or +∞ (either would break the total order).
 */
export function utility (ev: Evidence, costUsd: number, p95Ms: number, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  return utilityOfCounts(ev.wins, ev.trials, costUsd, p95Ms, weights)
}

/** utility() of raw counts (cleaned as sanitizeEvidence does), without building an Evidence. */
export function utilityOfCounts (wins: number, trials: number, costUsd: number, p95Ms: number, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  // +WORST_SCORE, not the bare binding: V8 then keeps the result an unboxed double
  // instead of boxing every score this returns (a heap number per call, and a resolve
  // scores every path of a capability).
  if (!(costUsd >= 0) || !(p95Ms >= 0)) return +WORST_SCORE
  const s = lowerBoundOfCounts(wins, trials, weights.z) - weights.costWeight * costUsd - weights.latencyWeight * (p95Ms / 1000)
  return Number.isFinite(s) ? s : +WORST_SCORE
}

export function globalScore (attrs: RouteAttributes, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  return utility(attrs.winRate, attrs.costUsd, attrs.latencyMs.p95, weights)
}

/** Config check for score weights: finite and ≥ 0 (a negative weight would reward cost). */
export function validateScoreWeights (weights: ScoreWeights): string[] {
  const errors: string[] = []
  for (const k of ['costWeight', 'latencyWeight'] as const) {
    if (!Number.isFinite(weights[k]) || weights[k] < 0) errors.push(`score.${k} must be a finite number ≥ 0, got ${weights[k]}`)
  }
  if (!Number.isFinite(weights.z) || weights.z <= 0) errors.push(`score.z must be a finite number > 0, got ${weights.z}`)
  return errors
}
