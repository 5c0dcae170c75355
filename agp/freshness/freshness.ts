/**
 * Freshness: how old an advertisement is, measured from the origin's
 * `originatedAtMs` to the local clock. Origins re-advertise every refreshS; past
 * staleS a route still ranks but below every fresh one; past maxAgeS it expires and
 * the RIB withdraws it. Pure: the caller passes nowMs and schedules a timer at
 * nextFreshnessChangeMs().
 *
 * Clock skew: origin and receiver clocks differ. A route stamped in our future
 * (negative age) is treated as age 0, i.e. fresh; it earns no bonus (its evidence
 * decays from age 0 too). A skew beyond DEFAULT_CLOCK_SKEW_TOLERANCE_MS is suspicious
 * (the route would stay fresh for the whole skew after its origin goes silent): the
 * importer may flag it with isBeyondClockSkew() and count the route as unusable.
 */
import type { FreshnessParams } from '../params.ts'

export type FreshnessState = 'fresh' | 'stale' | 'expired'

/** How far in the future an originatedAtMs may be before it looks like a broken clock. */
export const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 60_000

/** Age in ms; negative ages (origin clock ahead) count as 0. NaN stays NaN. */
export function routeAgeMs (originatedAtMs: number, nowMs: number): number {
  const age = nowMs - originatedAtMs
  return age < 0 ? 0 : age
}

export function freshnessState (originatedAtMs: number, nowMs: number, params: FreshnessParams): FreshnessState {
  const age = routeAgeMs(originatedAtMs, nowMs)
  // An age we cannot compute (NaN, ∞) is never trusted as fresh.
  if (!Number.isFinite(age)) return 'expired'
  if (age >= params.maxAgeS * 1000) return 'expired'
  if (age >= params.staleS * 1000) return 'stale'
  return 'fresh'
}

/**
 * The absolute time at which freshnessState() next changes (fresh → stale at
 * originatedAt + staleS, stale → expired at originatedAt + maxAgeS), or undefined once
 * expired (nothing more to schedule). For a route from the future this is still
 * originatedAt + staleS: it goes stale staleS after its own stamp.
 */
export function nextFreshnessChangeMs (originatedAtMs: number, nowMs: number, params: FreshnessParams): number | undefined {
  switch (freshnessState(originatedAtMs, nowMs, params)) {
    case 'fresh': return originatedAtMs + params.staleS * 1000
    case 'stale': return originatedAtMs + params.maxAgeS * 1000
    case 'expired': return undefined
  }
}

/** True when the route is stamped further in our future than the tolerance. */
export function isBeyondClockSkew (originatedAtMs: number, nowMs: number, toleranceMs: number = DEFAULT_CLOCK_SKEW_TOLERANCE_MS): boolean {
  return originatedAtMs - nowMs > toleranceMs
}

/**
 * Half-life of advertised win-rate evidence in resolve: staleS. At the stale age the
 * evidence weighs 1/2, at the default max age (3 × staleS) 1/8. A route refreshed on
 * time (age < refreshS = staleS / 5 by default) keeps ≥ 87 % of its weight, so decay
 * only bites on routes whose origin has stopped refreshing.
 */
export function evidenceHalfLifeMs (params: FreshnessParams): number {
  return params.staleS * 1000
}
