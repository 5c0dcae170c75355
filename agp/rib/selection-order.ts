/**
 * The orders a Loc-RIB capability is kept in: every path's collapsed copy sorted by
 * selection order (usable first, then the global order: RFC 3345-safe), moved by
 * binary search as paths change; copies of one path with the collapsed one first.
 * Both orders are total over distinct paths, so incremental upkeep gives exactly
 * what a full sort would.
 */
import { compareCopies } from '../decision/collapse-copies.ts'
import { cachedGlobalScoreKey, compareGlobal } from '../decision/global-order.ts'
import { higherFirst } from '../decision/step.ts'
import type { LocalCandidate } from '../decision/local-rank.ts'
import type { PathCandidate } from './path-candidate.ts'

/** Same local preference and staleness everywhere: compareLocal then orders like selectionOrder. */
export function uniformLocalTerms (list: readonly PathCandidate[]): boolean {
  const first = list[0]
  if (first === undefined) return true
  for (let i = 1; i < list.length; i++) {
    const c = list[i] as PathCandidate
    if (c.localPref !== first.localPref || c.stale !== first.stale) return false
  }
  return true
}

/** Is a collapsed copy (one held in `all`) among the selected paths, given the last selected one? */
export function isSelected (c: PathCandidate, last: PathCandidate | undefined): boolean {
  return last === undefined || c === last || selectionOrder(c, last) < 0
}

/** Moves the collapsed copy (collapseCopies' choice: COPY_STEPS, a total order here) first. */
export function promoteBest (copies: PathCandidate[]): PathCandidate[] {
  let best = 0
  for (let i = 1; i < copies.length; i++) if (compareCopies(copies[i] as PathCandidate, copies[best] as PathCandidate) < 0) best = i
  if (best !== 0) {
    const c = copies[best] as PathCandidate
    copies[best] = copies[0] as PathCandidate
    copies[0] = c
  }
  return copies
}

/** Which paths a full capability keeps: usable first, then the global order (RFC 3345-safe). */
export function selectionOrder (a: LocalCandidate, b: LocalCandidate): number {
  if (a.usable !== b.usable) return a.usable ? -1 : 1
  return compareGlobal(a.route, b.route)
}

/**
 * selectionOrder(a, b) given both routes' global score keys (cachedGlobalScoreKey:
 * compareGlobal's first step, RFC 4271 §9.1.1), so a binary search does not look
 * them up again at every step; compareGlobal decides the ties.
 */
function selectionOrderKeyed (a: PathCandidate, ka: number, b: PathCandidate, kb: number): number {
  if (a.usable !== b.usable) return a.usable ? -1 : 1
  const s = higherFirst(ka, kb)
  return s !== 0 ? s : compareGlobal(a.route, b.route)
}

/** Lists up to this long find a held copy by identity scan rather than binary search. */
const SCAN_MAX = 128

/** First index whose element does not rank above `c` (score key `kc`) in selection order; `keys` parallels `list`. */
export function lowerBound (list: readonly PathCandidate[], keys: readonly number[], c: PathCandidate, kc: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (selectionOrderKeyed(list[mid] as PathCandidate, keys[mid] as number, c, kc) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Replaces `before` (held in the sorted list) by `after`, keeping the list sorted;
 * either may be absent. `keys` holds the global score key of each list entry, kept parallel.
 */
export function replaceSorted (list: PathCandidate[], keys: number[], before: PathCandidate | undefined, after: PathCandidate | undefined): void {
  let i = -1
  if (before !== undefined) {
    if (list.length <= SCAN_MAX) {
      // A short list: a scan of its pointers costs less than a binary search, which reads
      // a candidate and its route at every step and looks up the score key first.
      i = list.indexOf(before)
    } else {
      i = lowerBound(list, keys, before, cachedGlobalScoreKey(before.route))
      // Not where its order says (cannot happen with immutable candidates): fall back to identity.
      if (list[i] !== before) i = list.indexOf(before)
    }
  }
  // Another copy of the same advertisement (same signed attributes) has the same score key.
  const ka = after === undefined ? 0 : i >= 0 && after.route.attrs === (before as PathCandidate).route.attrs ? keys[i] as number : cachedGlobalScoreKey(after.route)
  if (i >= 0 && after !== undefined) {
    // A new copy of a path often keeps its place (a refresh, another session's copy).
    const above = list[i - 1]
    const below = list[i + 1]
    if ((above === undefined || selectionOrderKeyed(above, keys[i - 1] as number, after, ka) < 0) &&
      (below === undefined || selectionOrderKeyed(after, ka, below, keys[i + 1] as number) < 0)) {
      list[i] = after
      keys[i] = ka
      return
    }
  }
  if (i >= 0) {
    list.splice(i, 1)
    keys.splice(i, 1)
  }
  if (after !== undefined) {
    const j = lowerBound(list, keys, after, ka)
    list.splice(j, 0, after)
    keys.splice(j, 0, ka)
  }
}
