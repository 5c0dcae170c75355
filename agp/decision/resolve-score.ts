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
import { combineEvidence, decayEvidence, decayWeight, sanitizeEvidence, type Evidence } from '../winrate/evidence.ts'
import { DEFAULT_SCORE_WEIGHTS, utilityOfCounts, type ScoreWeights } from './score.ts'

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
  return resolveScoreAt(resolveScoreTerms(attrs), localEvidence, nowMs, evidenceHalfLifeMs(freshness), weights)
}

/**
 * What resolveScore needs from a route's attributes, computed once per route: a
 * resolve that scores every path of a capability then only decays and adds.
 */
export interface ResolveScoreTerms {
  /** Advertised evidence, capped and sanitized (not yet decayed). */
  readonly wins: number
  readonly trials: number
  readonly measuredAtMs: number
  readonly costUsd: number
  readonly p95Ms: number
}

/**
 * `measuredAtMs`: when the evidence counts as measured — the origin's stamp by default;
 * a route kept fresh by batch refreshes passes agp/route/batch-refresh.ts
 * evidenceMeasuredAtMs (the origin re-asserted the same evidence since).
 */
export function resolveScoreTerms (attrs: RouteAttributes, measuredAtMs = attrs.winRate.measuredAtMs): ResolveScoreTerms {
  const ev = sanitizeEvidence(capAdvertised(attrs.winRate))
  return { wins: ev.wins, trials: ev.trials, measuredAtMs, costUsd: attrs.costUsd, p95Ms: attrs.latencyMs.p95 }
}

/**
 * resolveScore from precomputed terms: the same operations in the same order as
 * advertisedEvidenceAt, resolveEvidence and utility, so the same bits, without
 * allocating.
 */
export function resolveScoreAt (
  terms: ResolveScoreTerms,
  localEvidence: Evidence | undefined,
  nowMs: number,
  halfLifeMs: number,
  weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS
): number {
  return resolveScoreWeighted(terms, decayWeight(nowMs - terms.measuredAtMs, halfLifeMs), localEvidence, weights)
}

/**
 * resolveScoreAt with the advertised evidence's decay weight given
 * (decayWeight(nowMs − terms.measuredAtMs, halfLifeMs)): paths measured at the same
 * time, e.g. the routes of one origination batch, share one weight per resolve.
 */
export function resolveScoreWeighted (
  terms: ResolveScoreTerms,
  w: number,
  localEvidence: Evidence | undefined,
  weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS
): number {
  if (localEvidence === undefined) return resolveScoreOfTerms(terms.wins, terms.trials, terms.costUsd, terms.p95Ms, w, weights)
  // x · 1 is x exactly, so this is decayEvidence's result for every weight.
  let wins = terms.wins * w
  let trials = terms.trials * w
  if (localEvidence !== undefined) {
    const local = sanitizeEvidence(localEvidence)
    wins += local.wins
    trials += local.trials
  }
  return utilityOfCounts(wins, trials, terms.costUsd, terms.p95Ms, weights)
}

/**
 * resolveScoreWeighted without local evidence, from the terms' numbers: for a caller
 * that keeps the terms of many routes in flat arrays.
 */
export function resolveScoreOfTerms (
  wins: number, trials: number, costUsd: number, p95Ms: number, w: number, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS
): number {
  return utilityOfCounts(wins * w, trials * w, costUsd, p95Ms, weights)
}
