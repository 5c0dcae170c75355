/**
 * The local resolve score (GET /v1/resolve): the same utility as globalScore, on
 * the evidence this node believes now — the advertised evidence decayed by its age
 * (half-life evidenceHalfLifeMs(freshness)), plus the consumer's own outcomes
 * (already decayed to nowMs, e.g. by LocalOutcomes.get).
 *
 * Unlike globalScore it depends on time and on who is looking, so it is only ever
 * used to rank for this node's own consumers, never to choose what to propagate.
 */
import { evidenceHalfLifeMs } from '../freshness/freshness.ts'
import type { FreshnessParams } from '../params.ts'
import type { RouteAttributes } from '../route/route.ts'
import { combineEvidence, decayEvidence, type Evidence } from '../winrate/evidence.ts'
import { DEFAULT_SCORE_WEIGHTS, utility, type ScoreWeights } from './score.ts'

/**
 * Most trials an origin's advertised evidence counts for in resolve. Advertised counts
 * are the origin's claim, not this consumer's experience: without a cap, an origin that
 * advertises 10^9 trials would make the consumer's own outcomes (POST /v1/outcomes)
 * irrelevant. Scaled proportionally, so the advertised mean is kept.
 */
export const MAX_ADVERTISED_TRIALS = 1000

export function capAdvertised (ev: Evidence, maxTrials = MAX_ADVERTISED_TRIALS): Evidence {
  if (!(ev.trials > maxTrials)) return ev
  const k = maxTrials / ev.trials
  return { wins: ev.wins * k, trials: maxTrials }
}

/** Advertised evidence as of nowMs: capped, then aged from the origin's measuredAtMs. */
export function advertisedEvidenceAt (attrs: RouteAttributes, nowMs: number, freshness: FreshnessParams): Evidence {
  return decayEvidence(capAdvertised(attrs.winRate), nowMs - attrs.winRate.measuredAtMs, evidenceHalfLifeMs(freshness))
}

/** Advertised (decayed) plus local evidence: what resolve scores on. */
export function resolveEvidence (attrs: RouteAttributes, localEvidence: Evidence | undefined, nowMs: number, freshness: FreshnessParams): Evidence {
  const advertised = advertisedEvidenceAt(attrs, nowMs, freshness)
  return localEvidence === undefined ? advertised : combineEvidence(advertised, localEvidence)
}

export function resolveScore (
  attrs: RouteAttributes,
  localEvidence: Evidence | undefined,
  nowMs: number,
  freshness: FreshnessParams,
  weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS
): number {
  return utility(resolveEvidence(attrs, localEvidence, nowMs, freshness), attrs.costUsd, attrs.latencyMs.p95, weights)
}
