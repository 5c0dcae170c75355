/**
 * Tunables of the core, with the defaults the config documents
 * (docs/configuration.md). Config files use seconds where a person types them
 * (`halfLifeS`); the core converts once, at the edge, and works in ms.
 */

/** RFC 2439 damping, with RFC 7196's recommended thresholds as defaults. */
export interface DampingParams {
  readonly halfLifeS: number
  readonly suppress: number
  readonly reuse: number
  readonly maxSuppressS: number
  readonly withdrawPenalty: number
  readonly changePenalty: number
  readonly readvertisePenalty: number
  readonly hysteresis: HysteresisBand
}

/** A metric refresh inside this band is not an attribute change (adds no penalty). */
export interface HysteresisBand {
  /** Relative change of costUsd below which it is a refresh. */
  readonly costRel: number
  /** Relative change of each latency figure (p50, p95) below which it is a refresh. */
  readonly latencyRel: number
  /** Absolute change of the win-rate mean below which it is a refresh. */
  readonly winRateAbs: number
}

export const DEFAULT_DAMPING: DampingParams = Object.freeze({
  halfLifeS: 900,
  suppress: 6000,
  reuse: 750,
  maxSuppressS: 3600,
  withdrawPenalty: 1000,
  changePenalty: 500,
  readvertisePenalty: 0,
  hysteresis: Object.freeze({ costRel: 0.1, latencyRel: 0.1, winRateAbs: 0.05 })
})

/** Freshness: origins re-advertise every refreshS; past staleS a route ranks below fresh ones; past maxAgeS it expires. */
export interface FreshnessParams {
  readonly refreshS: number
  readonly staleS: number
  readonly maxAgeS: number
}

export const DEFAULT_FRESHNESS: FreshnessParams = Object.freeze({ refreshS: 60, staleS: 300, maxAgeS: 900 })

/** Session timers (RFC 4271 §4.2 hold time; §9.2.1.1 MRAI) and graceful restart (RFC 4724). */
export const DEFAULT_HOLD_TIME_S = 90
export const DEFAULT_MRAI_MS = 100
export const DEFAULT_RESTART_TIME_S = 120

/**
 * Reconnect backoff: base × 2^attempt, jittered, capped at the max; after a quiet period
 * without a failure the attempt count starts again.
 */
export const DEFAULT_BASE_BACKOFF_MS = 500
export const DEFAULT_MAX_BACKOFF_MS = 30_000
export const DEFAULT_BACKOFF_QUIET_MS = 60_000
