/**
 * The win-rate estimator: a Beta posterior over the agent's success probability,
 * ranked by a lower confidence bound so that thin evidence ranks below solid evidence
 * of the same rate (8/10 below 80/100).
 *
 * Prior Beta(1, 1) (uniform): posterior Beta(1 + wins, 1 + trials − wins).
 *
 * Lower bound: the Wilson score lower bound computed on the posterior pseudo-counts
 * (n = trials + 2, p̂ = posterior mean), with one-sided z (default 1.645 ≈ 95 %).
 * Why Wilson and not an exact Beta quantile: it is closed form (no iterative
 * incomplete-beta inversion in the hot path of every comparison), stays inside [0, 1]
 * even at 0 or n successes (unlike the normal "mean − z·sd" approximation), is
 * monotone in wins and, at a fixed rate, rises with trials, and tracks the exact
 * Beta quantile closely (Beta(81, 21): Wilson 0.7211, exact 5 % quantile 0.7254).
 * It uses only + − × ÷ and √, which IEEE 754 rounds exactly, so every node computes
 * the same bits for the same evidence: the global order depends on that.
 */
import { sanitizeEvidence, type Evidence } from './evidence.ts'

/** Beta(α, β) prior pseudo-counts. */
export const WINRATE_PRIOR = Object.freeze({ alpha: 1, beta: 1 })

/** One-sided z for a 95 % lower bound. */
export const DEFAULT_WINRATE_Z = 1.645

/** Posterior mean (wins + α) / (trials + α + β). 0.5 with no evidence. */
export function winRateMean (ev: Evidence): number {
  const { wins, trials } = sanitizeEvidence(ev)
  return (wins + WINRATE_PRIOR.alpha) / (trials + WINRATE_PRIOR.alpha + WINRATE_PRIOR.beta)
}

/**
 * Wilson score lower bound of the posterior: in [0, 1], ≈ 0.1209 with no evidence
 * (z = 1.645). z ≤ 0 or NaN falls back to the default rather than ranking by an
 * upper bound by accident.
 */
export function winRateLowerBound (ev: Evidence, z: number = DEFAULT_WINRATE_Z): number {
  return lowerBoundOfCounts(ev.wins, ev.trials, z)
}

/**
 * winRateLowerBound of raw counts, without building an Evidence: for loops that score
 * many paths per call (resolve). The counts are cleaned as sanitizeEvidence cleans them,
 * so both entry points give the same bits for the same counts.
 */
export function lowerBoundOfCounts (rawWins: number, rawTrials: number, z: number = DEFAULT_WINRATE_Z): number {
  // +DEFAULT_WINRATE_Z, not the bare binding: V8 then keeps zz an unboxed double (no
  // heap number per call).
  const zz = z > 0 && Number.isFinite(z) ? z : +DEFAULT_WINRATE_Z
  const trials = Number.isFinite(rawTrials) && rawTrials > 0 ? rawTrials : 0
  const wins = Number.isFinite(rawWins) && rawWins > 0 ? Math.min(rawWins, trials) : 0
  const n = trials + WINRATE_PRIOR.alpha + WINRATE_PRIOR.beta
  const p = (wins + WINRATE_PRIOR.alpha) / n
  const z2 = zz * zz
  const centre = p + z2 / (2 * n)
  const margin = zz * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
  const lb = (centre - margin) / (1 + z2 / n)
  // Rounding can leave a hair below 0 when p is tiny; the bound is a probability.
  return lb < 0 ? 0 : lb > 1 ? 1 : lb
}
