/**
 * The resolve ranking kept per capability, GoBGP style: a destination's paths stay
 * sorted, and a resolve reads the kept order instead of scoring and sorting the
 * capability's paths from scratch.
 *
 * A ranking belongs to the capability's Loc-RIB entry (LocRib.capabilityKey: one object
 * from the capability's first path to its last; WeakMap, so a capability that goes
 * away takes its ranking with it). It remembers the ranked array it was last read from
 * (LocRib.rankedPaths: a new array at every change of the capability's paths). A new
 * array is read in again, but a copy that was there before keeps its facts and its
 * place in the resolve order: only new copies (a new path, or every path an origin
 * re-advertised) are read from their routes. The speaker reads a changed capability
 * in as the change settles, while its new copies are fresh in the caches: every
 * capability for a node's own changes (prepare), only those a resolve asked for before
 * for a change that came in UPDATEs (update, see speaker.ts); else the first resolve
 * that asks reads it in.
 *
 * Every path's facts sit in flat arrays (its numbers and flags in one array of
 * doubles): reading a capability's 100 paths in allocates a handful of arrays, not an
 * object per path, and a later read writes numbers in place.
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
import type { PathCandidate, SiteRanking } from '../agp/index.ts'
import { type KeptRanking, Ranking, type ResolveFacts } from './kept-ranking.ts'

export { type KeptRanking, type RankedPath, type ResolveFacts, withMeasured } from './kept-ranking.ts'

/** What a ResolveRanking counts (a Speaker reports them with its counters). */
export interface ResolveRankingCounters {
  /** Loc-RIB rankings read in: a capability's first, and one after each change of its paths. */
  resolveRankingReads: number
  /** Paths whose facts were read from their routes (the others were moved over from the last read). */
  resolveRankingPathsRead: number
}

export class ResolveRanking {
  private readonly kept = new WeakMap<object, Ranking>()

  constructor (
    private readonly site: SiteRanking,
    private readonly counters: ResolveRankingCounters = { resolveRankingReads: 0, resolveRankingPathsRead: 0 }
  ) {}

  get reads (): number { return this.counters.resolveRankingReads }
  get pathsRead (): number { return this.counters.resolveRankingPathsRead }

  /**
   * Reads a capability's Loc-RIB ranking in ahead of its next resolve (see rank()), so
   * that the resolve does not: called when the capability's paths changed, while their
   * objects are fresh in the caches.
   */
  prepare (capabilityKey: object, order: readonly PathCandidate[]): void {
    const ranking = this.rankingOf(capabilityKey)
    if (ranking.order !== order) this.read(ranking, order)
  }

  /**
   * The usable paths of `order` (a capability's Loc-RIB ranking) in resolve order at
   * nowMs. `capabilityKey` is the capability's LocRib.capabilityKey (undefined: nothing
   * is kept). The answer is the kept ranking itself: read it before the next call.
   */
  rank (capabilityKey: object | undefined, order: readonly PathCandidate[], facts: ResolveFacts, nowMs: number): KeptRanking {
    const ranking = capabilityKey === undefined ? new Ranking(this.site) : this.rankingOf(capabilityKey)
    if (ranking.order !== order) this.read(ranking, order)
    ranking.score(facts, nowMs)
    ranking.sort()
    return ranking
  }

  /**
   * prepare() for a capability whose ranking a resolve already asked for: keeps it
   * current, so that it holds no copy the Loc-RIB dropped and its next resolve reads
   * nothing; a capability nobody resolved costs a map lookup.
   */
  update (capabilityKey: object, order: readonly PathCandidate[]): void {
    const ranking = this.kept.get(capabilityKey)
    if (ranking !== undefined && ranking.order !== order) this.read(ranking, order)
  }

  private rankingOf (capabilityKey: object): Ranking {
    let ranking = this.kept.get(capabilityKey)
    if (ranking === undefined) {
      ranking = new Ranking(this.site)
      this.kept.set(capabilityKey, ranking)
    }
    return ranking
  }

  private read (ranking: Ranking, order: readonly PathCandidate[]): void {
    this.counters.resolveRankingReads++
    this.counters.resolveRankingPathsRead += ranking.read(order)
  }
}
