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
