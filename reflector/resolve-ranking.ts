/**
 * The resolve ranking kept per capability, GoBGP style: a destination's paths stay
 * sorted, and only a change of its paths rebuilds the order. A resolve then reads the
 * kept order instead of scoring and sorting the capability's paths from scratch.
 *
 * The Loc-RIB hands out a new ranked array for a capability whenever one of its paths
 * changes (LocRib.rankedPaths), so that array is the key: a changed capability finds no
 * kept ranking and builds one; the old one goes with its array (WeakMap: bounded by
 * the rankings alive, nothing to evict).
 *
 * What a Loc-RIB change cannot announce still moves every call, and is applied as a
 * cheap pass over the kept order (RESOLVE_STEPS, unchanged):
 * - higher-resolve-score decays advertised evidence with time, so each path is scored
 *   again at nowMs from terms computed once per route (resolveScoreTerms);
 * - breaker-closed-first and the consumer's own outcomes, and uncongested-first, come
 *   from local state at call time;
 * then the kept order is checked pair by pair (n − 1 comparisons) and only re-sorted
 * when some pair is out of order; the re-sorted order is kept for the next call, which
 * usually finds it sorted again. The steps are a strict total order over distinct path
 * ids, so any sort gives exactly rankResolve's ranking of the same candidates.
 */
import {
  compareResolveQuantized, decayWeight, evidenceMeasuredAtMs, type LocalOutcomes, type PathCandidate, type PathKey, pathKeyOf, quantizeScore,
  type QuantizedResolveCandidate, resolveScoreAt, resolveScoreTerms, resolveScoreWeighted, type ResolveScoreTerms,
  type RouteAttributes, siteCost, type SiteRanking
} from '../agp/index.ts'
import type { FreshnessParams } from '../agp/index.ts'
import type { OutcomeMeasures } from '../agp/index.ts'

/** One usable path in the kept order; score and the local facts are those of the last call. */
export interface RankedPath extends QuantizedResolveCandidate {
  readonly copy: PathCandidate
  readonly key: PathKey
  score: number
  quantizedScore: number
  congested: boolean
  breakerOpen: boolean
}

interface Entry extends RankedPath {
  readonly terms: ResolveScoreTerms
}

/** Local state a resolve ranks with, as of the call. */
export interface ResolveFacts {
  readonly outcomes: LocalOutcomes
  /** Path keys whose congestion window is cut (undefined or empty: none). */
  readonly congestedPaths?: ReadonlySet<string> | undefined
  readonly freshness: FreshnessParams
  readonly halfLifeMs: number
}

export class ResolveRanking {
  private readonly kept = new WeakMap<readonly PathCandidate[], Entry[]>()
  private builds = 0

  constructor (private readonly site: SiteRanking) {}

  /** Kept rankings built so far (one per capability change that a resolve then read). */
  get rebuilds (): number { return this.builds }

  /**
   * The usable paths of `order` (a capability's Loc-RIB ranking) in resolve order at
   * nowMs. The array is the kept ranking itself: read it before the next call.
   */
  rank (order: readonly PathCandidate[], facts: ResolveFacts, nowMs: number): readonly RankedPath[] {
    let entries = this.kept.get(order)
    if (entries === undefined) {
      entries = this.build(order)
      this.kept.set(order, entries)
    }
    refreshFacts(entries, facts, nowMs)
    if (!isSorted(entries)) entries.sort(compareResolveQuantized)
    return entries
  }

  private build (order: readonly PathCandidate[]): Entry[] {
    this.builds++
    const entries: Entry[] = []
    for (const c of order) {
      if (!c.usable) continue
      const key = c.path ?? pathKeyOf(c.route)
      entries.push({
        copy: c,
        key,
        route: c.route,
        fromPeer: c.fromPeer,
        usable: c.usable,
        localPref: c.localPref,
        stale: c.stale,
        // Always present, so every entry has one shape (absent and undefined rank alike).
        internal: c.internal,
        siteCost: siteCost(c.route, this.site),
        // Computed here, not looked up: a WeakMap of 100k attributes costs more per build.
        terms: resolveScoreTerms(c.route.attrs, evidenceMeasuredAtMs(c.route)),
        score: 0,
        quantizedScore: 0,
        congested: false,
        breakerOpen: false
      })
    }
    return entries
  }
}

/**
 * Scores every path at nowMs and reads the consumer's local facts for it. Paths
 * measured at the same time (one origination batch: usually the whole capability)
 * share one decay weight, computed once per run of them.
 */
function refreshFacts (entries: readonly Entry[], facts: ResolveFacts, nowMs: number): void {
  const outcomes = facts.outcomes.size === 0 ? undefined : facts.outcomes
  const congested = facts.congestedPaths === undefined || facts.congestedPaths.size === 0 ? undefined : facts.congestedPaths
  let weightAtMs = NaN
  let weight = 0
  for (const e of entries) {
    const local = outcomes?.get(e.key, nowMs)
    const measured = outcomes?.measured(e.key)
    if (local === undefined && measured === undefined) {
      if (e.terms.measuredAtMs !== weightAtMs) {
        weightAtMs = e.terms.measuredAtMs
        weight = decayWeight(nowMs - weightAtMs, facts.halfLifeMs)
      }
      e.score = resolveScoreWeighted(e.terms, weight, undefined)
    } else {
      e.score = resolveScoreAt(resolveScoreTerms(withMeasured(e.route.attrs, measured), evidenceMeasuredAtMs(e.route)), local, nowMs, facts.halfLifeMs)
    }
    e.quantizedScore = quantizeScore(e.score)
    e.breakerOpen = outcomes !== undefined && !outcomes.admits(e.key, nowMs)
    e.congested = congested !== undefined && congested.has(e.key)
  }
}

function isSorted (entries: readonly Entry[]): boolean {
  for (let i = 1; i < entries.length; i++) {
    if (compareResolveQuantized(entries[i - 1] as Entry, entries[i] as Entry) > 0) return false
  }
  return true
}

/**
 * The consumer's own latency and cost, where it reported any, in place of what the
 * origin advertises: its experience of the path, not the origin's claim.
 */
export function withMeasured (attrs: RouteAttributes, m: OutcomeMeasures | undefined): RouteAttributes {
  if (m === undefined) return attrs
  return {
    ...attrs,
    costUsd: m.costUsd ?? attrs.costUsd,
    latencyMs: m.latencyMs === undefined ? attrs.latencyMs : { p50: Math.min(attrs.latencyMs.p50, m.latencyMs), p95: m.latencyMs }
  }
}
