/**
 * One capability's kept resolve ranking (reflector/resolve-ranking.ts keeps one per
 * capability): its usable paths' numbers in one Float64Array, STRIDE per path, read in
 * from the Loc-RIB's copies, scored at each resolve and kept in resolve order.
 */
import {
  compareGlobal, decayWeight, decideReason, decideResolveLocalSteps, evidenceMeasuredAtMs, GLOBAL_STEPS, type LocalOutcomes, type PathCandidate,
  type PathKey, pathKeyOf, quantizeScore, type QuantizedResolveCandidate, RESOLVE_STEPS, resolveScoreAt, resolveScoreOfTerms,
  resolveScoreTerms, type RouteAttributes, siteCost, type SiteRanking
} from '../agp/index.ts'
import type { FreshnessParams } from '../agp/index.ts'
import type { OutcomeMeasures } from '../agp/index.ts'

/** Local state a resolve ranks with, as of the call. */
export interface ResolveFacts {
  readonly outcomes: LocalOutcomes
  /** Path keys whose congestion window is cut (undefined or empty: none). */
  readonly congestedPaths?: ReadonlySet<string> | undefined
  readonly freshness: FreshnessParams
  readonly halfLifeMs: number
}

/** One usable path of a ranking as a ResolveCandidate, with its Loc-RIB copy and path key. */
export interface RankedPath extends QuantizedResolveCandidate {
  readonly copy: PathCandidate
  readonly key: PathKey
}

/**
 * A capability's usable paths in resolve order as of the last rank() call, read by
 * position (0 = best). It is the kept ranking itself: read it before the next call.
 */
export interface KeptRanking {
  readonly length: number
  copyAt (position: number): PathCandidate
  keyAt (position: number): PathKey
  /** resolveScore of the path at nowMs. */
  scoreAt (position: number): number
  breakerOpenAt (position: number): boolean
  /** The step that places `below` under `above` (above < below): decideReason(RESOLVE_STEPS, …) of the two. */
  reason (above: number, below: number): string
  /** The path at `position` as an object (allocates: for tests and diagnostics). */
  pathAt (position: number): RankedPath
}

// A path's numbers in Ranking.num, STRIDE per path. A Float64Array: storing a score
// allocates nothing, whereas an array of numbers that ever held a hole or a non-number
// keeps its elements boxed, one heap number per store.
const WINS = 0
const TRIALS = 1
const MEASURED_AT = 2
const COST = 3
const P95 = 4
const LOCAL_PREF = 5
const SITE_COST = 6
const SCORE = 7
const QUANTIZED = 8
const FLAGS = 9
const STRIDE = 10
// Bits of a path's FLAGS.
const STALE = 1
const BREAKER_OPEN = 2
const CONGESTED = 4

/** What a slot past a ranking's length holds, so that no dropped copy stays reachable. */
const NO_COPY = undefined as unknown as PathCandidate
/** sort() hands an order over to Array.prototype.sort past this many moves per path. */
const MAX_INSERTION_MOVES_PER_PATH = 4
/** How far past the last kept copy read() looks for the next one. */
const LOOKAHEAD = 8
// read()'s working arrays, reused (one read at a time): the last read's facts, where
// each of its slots went, and the slots read from routes.
const OLD_COPIES: PathCandidate[] = []
const OLD_KEYS: PathKey[] = []
let OLD_NUM = new Float64Array(0)
const NEW_SLOT_OF_OLD: number[] = []
const FRESH: number[] = []

export class Ranking implements KeptRanking {
  /** The Loc-RIB array last read in. */
  order: readonly PathCandidate[] = []
  length = 0
  /** Per path (by slot: its place among the usable paths of `order`): the copy, its key, numbers, flags. */
  private copies: PathCandidate[] = []
  private keys: PathKey[] = []
  private num = new Float64Array(0)
  /** Resolve order: position → slot (length paths long). */
  private slots: number[] = []
  /** The comparator over slots, made once per ranking (Array.prototype.sort takes a function). */
  readonly compare = (a: number, b: number): number => this.compareSlots(a, b)

  constructor (private readonly site: SiteRanking) {}

  copyAt (position: number): PathCandidate { return this.copies[this.slots[position] as number] as PathCandidate }
  keyAt (position: number): PathKey { return this.keys[this.slots[position] as number] as PathKey }
  scoreAt (position: number): number { return this.num[(this.slots[position] as number) * STRIDE + SCORE] as number }
  breakerOpenAt (position: number): boolean { return ((this.num[(this.slots[position] as number) * STRIDE + FLAGS] as number) & BREAKER_OPEN) !== 0 }

  reason (above: number, below: number): string {
    const a = this.slots[above] as number
    const b = this.slots[below] as number
    const step = this.localStep(a, b)
    if (step !== 0) return (RESOLVE_STEPS[Math.abs(step)] as { name: string }).name
    // RESOLVE_STEPS end with GLOBAL_STEPS on the candidates' routes (same names).
    return decideReason(GLOBAL_STEPS, (this.copies[a] as PathCandidate).route, (this.copies[b] as PathCandidate).route)
  }

  pathAt (position: number): RankedPath {
    const s = this.slots[position] as number
    const c = this.copies[s] as PathCandidate
    const f = this.num[s * STRIDE + FLAGS] as number
    return {
      copy: c,
      key: this.keys[s] as PathKey,
      route: c.route,
      fromPeer: c.fromPeer,
      usable: true,
      localPref: this.num[s * STRIDE + LOCAL_PREF] as number,
      stale: (f & STALE) !== 0,
      internal: c.internal,
      siteCost: this.num[s * STRIDE + SITE_COST] as number,
      score: this.num[s * STRIDE + SCORE] as number,
      quantizedScore: this.num[s * STRIDE + QUANTIZED] as number,
      congested: (f & CONGESTED) !== 0,
      breakerOpen: (f & BREAKER_OPEN) !== 0
    }
  }

  /**
   * Reads the usable paths of `order` in. A copy that was in the last read is the same
   * object with the same facts (candidates are immutable), so its numbers are moved
   * over, and it keeps its place in the last resolve order; only the other copies (new
   * paths, and every path an origin re-advertised) are read from their routes, and go
   * after the kept ones, for sort() to place. Returns how many were read from routes.
   */
  read (order: readonly PathCandidate[]): number {
    const oldLength = this.length
    const oldCopies = OLD_COPIES
    const oldKeys = OLD_KEYS
    if (OLD_NUM.length < oldLength * STRIDE) OLD_NUM = new Float64Array(this.num.length)
    const oldNum = OLD_NUM
    const newSlotOf = NEW_SLOT_OF_OLD
    // The last read's facts aside: the new ones are written over them.
    for (let s = 0; s < oldLength; s++) {
      oldCopies[s] = this.copies[s] as PathCandidate
      oldKeys[s] = this.keys[s] as PathKey
      newSlotOf[s] = -1
    }
    oldNum.set(this.num.subarray(0, oldLength * STRIDE))
    // Sized for every path of the order: the usable ones are most often all of them.
    if (order.length > this.copies.length) this.allocate(Math.max(order.length, this.copies.length + (this.copies.length >> 1)))
    const copies = this.copies
    const keys = this.keys
    const num = this.num
    const fresh = FRESH
    fresh.length = 0
    let n = 0
    let next = 0
    for (let i = 0; i < order.length; i++) {
      const c = order[i] as PathCandidate
      if (!c.usable) continue
      // Copies still present keep their relative order, so a kept copy is found at or
      // shortly after the last one found (what lies between was dropped). One found
      // further on is read again: the same facts, only not moved.
      let from = -1
      for (let k = next; k < oldLength && k < next + LOOKAHEAD; k++) {
        if (oldCopies[k] === c) {
          from = k
          break
        }
      }
      copies[n] = c
      if (from >= 0) {
        keys[n] = oldKeys[from] as PathKey
        for (let f = 0; f < STRIDE; f++) num[n * STRIDE + f] = oldNum[from * STRIDE + f] as number
        newSlotOf[from] = n
        next = from + 1
      } else {
        keys[n] = c.path ?? pathKeyOf(c.route)
        num[n * STRIDE + LOCAL_PREF] = c.localPref
        num[n * STRIDE + FLAGS] = c.stale ? STALE : 0
        fresh.push(n)
      }
      n++
    }
    // The routes' attributes in a pass of their own, so that the memory reads of one
    // pass do not wait on each other (a capability's objects are far apart, and a first
    // read finds none of them in a cache).
    for (let i = 0; i < fresh.length; i++) {
      const s = fresh[i] as number
      const route = (copies[s] as PathCandidate).route
      // Evidence ages from the last time its origin vouched for it (a batch refresh too).
      const terms = resolveScoreTerms(route.attrs, evidenceMeasuredAtMs(route))
      const o = s * STRIDE
      num[o + WINS] = terms.wins
      num[o + TRIALS] = terms.trials
      num[o + MEASURED_AT] = terms.measuredAtMs
      num[o + COST] = terms.costUsd
      num[o + P95] = terms.p95Ms
      num[o + SITE_COST] = siteCost(route, this.site)
    }
    // Nothing of an earlier, longer read stays reachable.
    for (let s = n; s < copies.length; s++) {
      copies[s] = NO_COPY
      keys[s] = ''
    }
    for (let s = 0; s < oldLength; s++) oldCopies[s] = NO_COPY
    // The last resolve order of the kept copies, then the others in Loc-RIB order.
    const slots = this.slots
    let p = 0
    for (let q = 0; q < oldLength; q++) {
      const s = newSlotOf[slots[q] as number] as number
      if (s >= 0) slots[p++] = s
    }
    for (let i = 0; i < fresh.length; i++) slots[p++] = fresh[i] as number
    // Exactly n long: Array.prototype.sort sorts the whole array.
    slots.length = n
    this.order = order
    this.length = n
    return fresh.length
  }

  /**
   * Scores every path at nowMs and reads the consumer's local facts for it. Paths
   * measured at the same time (one origination batch: usually the whole capability)
   * share one decay weight, computed once per run of them.
   */
  score (facts: ResolveFacts, nowMs: number): void {
    const outcomes = facts.outcomes.size === 0 ? undefined : facts.outcomes
    const congested = facts.congestedPaths === undefined || facts.congestedPaths.size === 0 ? undefined : facts.congestedPaths
    const num = this.num
    let weightAtMs = NaN
    let weight = 0
    for (let s = 0; s < this.length; s++) {
      const key = this.keys[s] as PathKey
      const o = s * STRIDE
      let f = (num[o + FLAGS] as number) & STALE
      // Each score is stored where it is computed: one variable for both kinds would
      // box every score (a heap number per path and call).
      if (outcomes === undefined || !this.scoreWithOutcomes(s, outcomes, key, facts, nowMs)) {
        const at = num[o + MEASURED_AT] as number
        if (at !== weightAtMs) {
          weightAtMs = at
          weight = decayWeight(nowMs - at, facts.halfLifeMs)
        }
        num[o + SCORE] = resolveScoreOfTerms(num[o + WINS] as number, num[o + TRIALS] as number, num[o + COST] as number, num[o + P95] as number, weight)
      }
      num[o + QUANTIZED] = quantizeScore(num[o + SCORE] as number)
      if (outcomes !== undefined && !outcomes.admits(key, nowMs)) f |= BREAKER_OPEN
      if (congested !== undefined && congested.has(key)) f |= CONGESTED
      num[o + FLAGS] = f
    }
  }

  /** Scores a path the consumer has outcomes or measures for; false when it has neither. */
  private scoreWithOutcomes (s: number, outcomes: LocalOutcomes, key: PathKey, facts: ResolveFacts, nowMs: number): boolean {
    const local = outcomes.get(key, nowMs)
    const measured = outcomes.measured(key)
    if (local === undefined && measured === undefined) return false
    const route = (this.copies[s] as PathCandidate).route
    this.num[s * STRIDE + SCORE] = resolveScoreAt(resolveScoreTerms(withMeasured(route.attrs, measured), evidenceMeasuredAtMs(route)), local, nowMs, facts.halfLifeMs)
    return true
  }

  /**
   * Puts the slots in resolve order. The kept order is usually sorted already, or a few
   * paths away from it (decay swapped two, an outcome moved one): an insertion sort
   * with the comparison inlined costs n − 1 comparisons plus one per place moved, where
   * Array.prototype.sort calls a comparator ~n log n times. An order that needs many
   * moves goes to Array.prototype.sort.
   */
  sort (): void {
    const slots = this.slots
    const n = this.length
    let moves = 0
    for (let i = 1; i < n; i++) {
      const s = slots[i] as number
      if (!this.below(slots[i - 1] as number, s)) continue
      let j = i - 1
      do {
        slots[j + 1] = slots[j] as number
        j--
      } while (j >= 0 && this.below(slots[j] as number, s))
      slots[j + 1] = s
      moves += i - 1 - j
      if (moves > MAX_INSERTION_MOVES_PER_PATH * n) {
        slots.sort(this.compare)
        return
      }
    }
  }

  /** True when slot a ranks below slot b (compareSlots(a, b) > 0). */
  private below (a: number, b: number): boolean {
    const num = this.num
    const oa = a * STRIDE
    const ob = b * STRIDE
    // Equal on every local step before the score (flags, local preference, site cost:
    // the usual case): the quantized score decides when it differs, without the steps.
    if (num[oa + FLAGS] === num[ob + FLAGS] && num[oa + LOCAL_PREF] === num[ob + LOCAL_PREF] && num[oa + SITE_COST] === num[ob + SITE_COST]) {
      const qa = num[oa + QUANTIZED] as number
      const qb = num[ob + QUANTIZED] as number
      if (qa > qb) return false
      if (qa < qb) return true
    }
    return this.compareSlots(a, b) > 0
  }

  /** Room for `capacity` paths (the last read's slots kept: read() maps them over). */
  private allocate (capacity: number): void {
    this.copies = new Array<PathCandidate>(capacity)
    this.keys = new Array<PathKey>(capacity)
    this.num = new Float64Array(capacity * STRIDE)
  }

  /** decideResolveLocalSteps of two slots: a RESOLVE_STEPS index, negative when a ranks above b, 0 on a tie. */
  private localStep (a: number, b: number): number {
    const num = this.num
    const oa = a * STRIDE
    const ob = b * STRIDE
    const fa = num[oa + FLAGS] as number
    const fb = num[ob + FLAGS] as number
    return decideResolveLocalSteps(
      (fa & BREAKER_OPEN) !== 0, (fb & BREAKER_OPEN) !== 0, num[oa + LOCAL_PREF] as number, num[ob + LOCAL_PREF] as number,
      (fa & STALE) !== 0, (fb & STALE) !== 0, (fa & CONGESTED) !== 0, (fb & CONGESTED) !== 0,
      num[oa + SITE_COST] as number, num[ob + SITE_COST] as number, num[oa + QUANTIZED] as number, num[ob + QUANTIZED] as number
    )
  }

  /** compareResolve of two slots (usable paths both): negative when a ranks above b. */
  private compareSlots (a: number, b: number): number {
    const step = this.localStep(a, b)
    if (step !== 0) return step < 0 ? -1 : 1
    return compareGlobal((this.copies[a] as PathCandidate).route, (this.copies[b] as PathCandidate).route)
  }
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
