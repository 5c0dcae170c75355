/**
 * Win-rate evidence as pseudo-counts: `wins` successes out of `trials`, both
 * non-negative reals (decay makes them fractional). Evidence is what we keep, never a
 * bare rate, so that 8/10 and 800/1000 stay distinguishable and so that advertised
 * and local evidence add up (see docs/decision-process.md, "Win-rate").
 */
import { InvalidArgumentError } from '../../kernel/index.ts'

export interface Evidence {
  readonly wins: number
  readonly trials: number
}

export const NO_EVIDENCE: Evidence = Object.freeze({ wins: 0, trials: 0 })

/**
 * Clamp raw counts into a consistent shape: trials finite and ≥ 0, wins in [0, trials].
 * Evidence arrives from the wire and from config; a bad count must weaken the
 * estimate, never poison a comparison with NaN.
 */
export function sanitizeEvidence (ev: Evidence): Evidence {
  const trials = Number.isFinite(ev.trials) && ev.trials > 0 ? ev.trials : 0
  const wins = Number.isFinite(ev.wins) && ev.wins > 0 ? Math.min(ev.wins, trials) : 0
  return trials === ev.trials && wins === ev.wins ? ev : { wins, trials }
}

/**
 * Weight of evidence of age `ageMs`: 0.5^(age / halfLife). A negative age (the
 * measurement is stamped in our future: clock skew) earns no bonus, so it counts as
 * age 0. An unknown age (NaN) is not trusted at all (weight 0). halfLifeMs = Infinity
 * means "never decays".
 */
export function decayWeight (ageMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0)) throw new InvalidArgumentError(`half-life must be > 0 ms, got ${halfLifeMs}`)
  if (Number.isNaN(ageMs)) return 0
  if (ageMs <= 0) return 1
  return Math.pow(0.5, ageMs / halfLifeMs)
}

/** Scale both pseudo-counts by the age weight: old evidence counts as fewer trials, same rate. */
export function decayEvidence (ev: Evidence, ageMs: number, halfLifeMs: number): Evidence {
  const clean = sanitizeEvidence(ev)
  const w = decayWeight(ageMs, halfLifeMs)
  if (w === 1) return { wins: clean.wins, trials: clean.trials }
  return { wins: clean.wins * w, trials: clean.trials * w }
}

/** Independent observations of the same agent add up (Beta-binomial conjugacy). */
export function combineEvidence (a: Evidence, b: Evidence): Evidence {
  const x = sanitizeEvidence(a)
  const y = sanitizeEvidence(b)
  return { wins: x.wins + y.wins, trials: x.trials + y.trials }
}
