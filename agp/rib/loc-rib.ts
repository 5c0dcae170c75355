/**
 * Loc-RIB: every path per capability (ADD-PATH style, RFC 7911). Exact lookups go
 * through a flat Map; a CapabilityTrie holds the same entries for longest match and
 * subtree walks in capability order.
 *
 * Per capability and path id it holds the copies received over each session; copies
 * collapse to one (collapseCopies: usable, local pref, fresh, newest, shortest
 * cluster list and org path, lowest session). At most maxPathsPerCapability paths are
 * selected, by usable-first then the global order (compareGlobal) — never a
 * viewer-relative term, so what a reflector propagates cannot oscillate (RFC 3345).
 * The selected paths are ranked locally (compareLocal) for views and resolve.
 *
 * Changes are staged (set/delete mark the path dirty) and committed in one pass, so a
 * frame of 500 routes re-ranks each touched capability once. A commit re-collapses
 * only the dirty paths and moves them in the capability's sorted list by binary
 * search: both orders are total over distinct paths, so this gives exactly what a
 * full sort would, without sorting a large capability again on every change.
 */
import { CapabilityTrie } from '../capability/trie.ts'
import { compareLocal, localReason } from '../decision/local-rank.ts'
import { BEST_REASON, type Ranked } from '../decision/step.ts'
import { sameButStamp } from '../route/batch-refresh.ts'
import type { PathKey, Route } from '../route/route.ts'
import { sameRanking } from './visible-change.ts'
import { isSelected, promoteBest, replaceSorted, uniformLocalTerms } from './selection-order.ts'
import { pathKeyOf } from './keys.ts'
import type { PathCandidate } from './path-candidate.ts'

export type { PathCandidate }
export { sameVisibleRoute } from './visible-change.ts'

export interface LocRibChange {
  readonly capability: string
  /** The ranked path set as views show it changed (not just a refresh's bookkeeping). */
  readonly visible: boolean
  /** Paths whose exportable copy appeared, disappeared or changed (route or source). */
  readonly exportPaths: readonly PathKey[]
}

export type LocRibOp =
  | { readonly op: 'set', readonly candidate: PathCandidate }
  | { readonly op: 'delete', readonly capability: string, readonly path: PathKey, readonly fromPeer: string }

/**
 * The copies of one path: one candidate (the common case, no array) or several, one
 * per session, the collapsed one (collapseCopies) kept first.
 */
type Copies = PathCandidate | PathCandidate[]

interface CapabilityEntry {
  /** What capabilityKey() hands out for the capability. */
  readonly key: object
  /** path id → its copies (session '' = local agent). */
  readonly copies: Map<PathKey, Copies>
  /** Every path's collapsed copy, in selection order (usable first, then the global order). */
  all: PathCandidate[]
  /** cachedGlobalScoreKey of each entry of `all`, kept parallel to it (binary searches read it). */
  readonly allKeys: number[]
  /** The selected paths (the first maxPathsPerCapability of `all`) in local rank order; its usable entries are what export may advertise. */
  order: PathCandidate[]
  /** `order` with the reason of each position, built when asked for (views use `order`). */
  ranked: Ranked<PathCandidate>[] | undefined
}

export interface LocRibOptions {
  readonly maxPathsPerCapability: number
}

const NO_COPIES: readonly PathCandidate[] = Object.freeze([])

export class LocRib {
  readonly maxPathsPerCapability: number
  private readonly byCapability = new Map<string, CapabilityEntry>()
  private readonly trie = new CapabilityTrie<CapabilityEntry>()
  /** capability → dirty path → its collapsed copy before the first change of this batch (in `all`). */
  private readonly dirty = new Map<string, Map<PathKey, PathCandidate | undefined>>()
  private copyCount = 0
  private commits = 0

  constructor (options: LocRibOptions) {
    this.maxPathsPerCapability = options.maxPathsPerCapability
  }

  /** Bumped by every commit that changed something: what exported() answers can only change then. */
  get generation (): number { return this.commits }

  /** Copies held (all sessions, all capabilities). */
  get size (): number { return this.copyCount }

  set (candidate: PathCandidate): void {
    const capability = candidate.route.attrs.capability
    let entry = this.byCapability.get(capability)
    if (entry === undefined) {
      entry = { key: {}, copies: new Map(), all: [], allKeys: [], order: [], ranked: [] }
      this.trie.set(capability, entry)
      this.byCapability.set(capability, entry)
    }
    const path = pathOf(candidate)
    const copies = entry.copies.get(path)
    this.touch(capability, path, copies)
    if (copies === undefined) {
      entry.copies.set(path, candidate)
      this.copyCount++
    } else if (!Array.isArray(copies)) {
      if (copies.fromPeer === candidate.fromPeer) {
        entry.copies.set(path, candidate)
      } else {
        entry.copies.set(path, promoteBest([copies, candidate]))
        this.copyCount++
      }
    } else {
      const i = copies.findIndex((c) => c.fromPeer === candidate.fromPeer)
      if (i < 0) {
        copies.push(candidate)
        this.copyCount++
      } else {
        copies[i] = candidate
      }
      promoteBest(copies)
    }
  }

  delete (capability: string, path: PathKey, fromPeer: string): PathCandidate | undefined {
    const entry = this.byCapability.get(capability)
    const copies = entry?.copies.get(path)
    if (entry === undefined || copies === undefined) return undefined
    if (!Array.isArray(copies)) {
      if (copies.fromPeer !== fromPeer) return undefined
      this.touch(capability, path, copies)
      entry.copies.delete(path)
      this.copyCount--
      return copies
    }
    const i = copies.findIndex((c) => c.fromPeer === fromPeer)
    if (i < 0) return undefined
    this.touch(capability, path, copies)
    const prev = copies[i] as PathCandidate
    copies.splice(i, 1)
    if (copies.length === 1) entry.copies.set(path, copies[0] as PathCandidate)
    else promoteBest(copies)
    this.copyCount--
    return prev
  }

  getCopy (capability: string, path: PathKey, fromPeer: string): PathCandidate | undefined {
    const copies = this.byCapability.get(capability)?.copies.get(path)
    if (copies === undefined) return undefined
    if (!Array.isArray(copies)) return copies.fromPeer === fromPeer ? copies : undefined
    return copies.find((c) => c.fromPeer === fromPeer)
  }

  /**
   * Replaces the route of one copy by the same route restamped (sameButStamp: a batch
   * refresh), in place: no rank can move and nothing is exported, so there is nothing to
   * commit. The capability's ranking becomes a new array, so what was kept for the old
   * one (resolve rankings) is built again with the new stamp. False, and nothing done,
   * when the copy is not held, its route is not `route`'s older self, or the capability
   * has changes staged (the caller then sets the candidate the usual way).
   */
  restamp (capability: string, path: PathKey, fromPeer: string, route: Route): boolean {
    if (this.dirty.has(capability)) return false
    const entry = this.byCapability.get(capability)
    const copies = entry?.copies.get(path)
    if (entry === undefined || copies === undefined) return false
    const i = Array.isArray(copies) ? copies.findIndex((c) => c.fromPeer === fromPeer) : copies.fromPeer === fromPeer ? 0 : -1
    if (i < 0) return false
    const old = (Array.isArray(copies) ? copies[i] : copies) as PathCandidate
    if (!sameButStamp(old.route, route)) return false
    const next: PathCandidate = { ...old, route }
    if (Array.isArray(copies)) copies[i] = next
    else entry.copies.set(path, next)
    const a = entry.all.indexOf(old)
    if (a >= 0) entry.all[a] = next
    const o = entry.order.indexOf(old)
    if (o >= 0) {
      entry.order = entry.order.slice()
      entry.order[o] = next
      entry.ranked = undefined
    }
    return true
  }

  /** All copies of a path (any session, in no particular order), e.g. to reuse a signature verification. */
  copiesOf (capability: string, path: PathKey): readonly PathCandidate[] {
    const copies = this.byCapability.get(capability)?.copies.get(path)
    if (copies === undefined) return NO_COPIES
    return Array.isArray(copies) ? copies : [copies]
  }

  /** A copy of the path from another session than `exceptPeer` that satisfies `test` (no allocation). */
  findCopy<A, B> (capability: string, path: PathKey, exceptPeer: string, test: (c: PathCandidate, a: A, b: B) => boolean, a: A, b: B): PathCandidate | undefined {
    const copies = this.byCapability.get(capability)?.copies.get(path)
    if (copies === undefined) return undefined
    if (!Array.isArray(copies)) return copies.fromPeer !== exceptPeer && test(copies, a, b) ? copies : undefined
    for (const c of copies) if (c.fromPeer !== exceptPeer && test(c, a, b)) return c
    return undefined
  }

  /** Stages ops and commits them. */
  apply (ops: readonly LocRibOp[]): LocRibChange[] {
    for (const o of ops) {
      if (o.op === 'set') this.set(o.candidate)
      else this.delete(o.capability, o.path, o.fromPeer)
    }
    return this.commit()
  }

  get hasPending (): boolean { return this.dirty.size > 0 }

  /** Re-ranks every capability touched since the last commit, in the order touched. */
  commit (): LocRibChange[] {
    const changes: LocRibChange[] = []
    if (this.dirty.size > 0) this.commits++
    for (const [capability, paths] of this.dirty) {
      const change = this.rerank(capability, paths)
      if (change !== undefined) changes.push(change)
    }
    this.dirty.clear()
    return changes
  }

  /** Selected paths of a capability in local rank order (empty when none). */
  ranked (capability: string): readonly Ranked<PathCandidate>[] {
    const entry = this.byCapability.get(capability)
    return entry === undefined ? [] : rankedOf(entry)
  }

  /** Selected paths of a capability in local rank order, without the reasons (empty when none). */
  rankedPaths (capability: string): readonly PathCandidate[] {
    return this.byCapability.get(capability)?.order ?? []
  }

  /**
   * One object per capability from its first path to its last (undefined when it has
   * none): a WeakMap key for what a caller keeps about the capability across its changes,
   * since rankedPaths() hands out a new array at each change.
   */
  capabilityKey (capability: string): object | undefined {
    return this.byCapability.get(capability)?.key
  }

  /** The copy of a path that export may advertise (selected and usable). */
  exported (capability: string, path: PathKey): PathCandidate | undefined {
    const entry = this.byCapability.get(capability)
    if (entry === undefined) return undefined
    // As of the last commit: a path changed since then still counts with its committed copy.
    const paths = this.dirty.get(capability)
    let c: PathCandidate | undefined
    if (paths !== undefined && paths.has(path)) {
      c = paths.get(path)
    } else {
      const copies = entry.copies.get(path)
      c = copies === undefined ? undefined : collapsed(copies)
    }
    if (c === undefined || !c.usable) return undefined
    const max = this.maxPathsPerCapability
    return isSelected(c, entry.all.length <= max ? undefined : entry.all[max - 1]) ? c : undefined
  }

  /** [capability, ranked] at or under `prefix` ('' or undefined: all), in capability order. */
  * capabilities (prefix?: string): Generator<[string, readonly Ranked<PathCandidate>[]]> {
    for (const [capability, entry] of this.trie.subtree(prefix)) yield [capability, rankedOf(entry)]
  }

  /** capabilities() without the reasons: [capability, selected paths in local rank order]. */
  * capabilityPaths (prefix?: string): Generator<[string, readonly PathCandidate[]]> {
    for (const [capability, entry] of this.trie.subtree(prefix)) yield [capability, entry.order]
  }

  /** Every exportable copy at or under `prefix`, in capability order then rank order. */
  * exportable (prefix?: string): Generator<PathCandidate> {
    for (const [, entry] of this.trie.subtree(prefix)) {
      // The exported set is exactly the ranking's usable entries.
      for (const c of entry.order) if (c.usable) yield c
    }
  }

  has (capability: string): boolean { return this.byCapability.has(capability) }

  /** Marks a path dirty, remembering (once per batch) the collapsed copy `all` holds for it. */
  private touch (capability: string, path: PathKey, copies: Copies | undefined): void {
    let paths = this.dirty.get(capability)
    if (paths === undefined) {
      paths = new Map()
      this.dirty.set(capability, paths)
    }
    if (!paths.has(path)) paths.set(path, copies === undefined ? undefined : collapsed(copies))
  }

  private rerank (capability: string, paths: ReadonlyMap<PathKey, PathCandidate | undefined>): LocRibChange | undefined {
    const entry = this.byCapability.get(capability)
    if (entry === undefined) return undefined
    const max = this.maxPathsPerCapability
    const all = entry.all
    // The last selected path before and after: a collapsed copy is selected when it does not rank below it.
    const lastBefore = all.length <= max ? undefined : all[max - 1]
    let moved = false
    // The collapsed copies of the dirty paths before and after, when they are few (see below).
    const touched = paths.size <= FEW_DIRTY_PATHS ? TOUCHED : undefined
    if (touched !== undefined) touched.length = 0
    for (const [path, before] of paths) {
      const copies = entry.copies.get(path)
      const after = copies === undefined ? undefined : collapsed(copies)
      if (touched !== undefined) touched.push(before, after)
      if (after === before) continue // e.g. a copy that does not win the collapse
      moved = true
      replaceSorted(all, entry.allKeys, before, after)
    }
    if (entry.copies.size === 0) {
      this.trie.delete(capability)
      this.byCapability.delete(capability)
    }
    // Same collapsed copies: same ranking, same exported copies.
    if (!moved) return undefined
    const lastAfter = all.length <= max ? undefined : all[max - 1]
    const selected = lastAfter === undefined ? all.slice() : all.slice(0, max)
    // With one local preference and one staleness throughout (the usual case), the local
    // order is the selection order: already sorted. Otherwise usually close to it.
    if (!uniformLocalTerms(selected)) selected.sort(compareLocal)
    const ranked = selected
    // What export may advertise (the selected usable copies) changed where one appeared
    // or changed route or session (in rank order), then where one is gone (in the old
    // rank order, which is the old exported set's order).
    const exportPaths: PathKey[] = []
    // Same last selected path: an untouched path is selected now exactly when it was before.
    const sameLast = lastBefore === lastAfter
    // With the same last selected path only the dirty paths can change what is exported.
    // A copy in either ranking that is none of their collapsed copies before or after
    // belongs to an untouched path: skipped by identity, without looking its path up.
    const onlyTouched = sameLast && touched !== undefined
    for (const c of ranked) {
      if (onlyTouched && !touched.includes(c)) continue
      if (!c.usable) continue
      const path = pathOf(c)
      const old = paths.has(path) ? paths.get(path) : c
      if (old === c && (sameLast || isSelected(c, lastBefore))) continue
      if (old === undefined || !old.usable || !isSelected(old, lastBefore) || !sameButStamp(old.route, c.route) || old.fromPeer !== c.fromPeer) {
        exportPaths.push(path)
      }
    }
    for (const c of entry.order) {
      if (onlyTouched && !touched.includes(c)) continue
      if (!c.usable) continue
      const path = pathOf(c)
      if (!paths.has(path)) {
        if (!sameLast && !isSelected(c, lastAfter)) exportPaths.push(path)
        continue
      }
      const copies = entry.copies.get(path)
      const now = copies === undefined ? undefined : collapsed(copies)
      if (now === undefined || !now.usable || !isSelected(now, lastAfter)) exportPaths.push(path)
    }
    const visible = !sameRanking(entry.order, ranked)
    entry.order = ranked
    entry.ranked = undefined
    if (!visible && exportPaths.length === 0) return undefined
    return { capability, visible, exportPaths }
  }
}

/** Up to this many dirty paths, rerank() tells untouched copies apart by identity (a scan of 2 × this many). */
const FEW_DIRTY_PATHS = 4
/** rerank()'s list of the dirty paths' collapsed copies, reused (a commit reranks one capability at a time). */
const TOUCHED: (PathCandidate | undefined)[] = []

function pathOf (c: PathCandidate): PathKey {
  return c.path ?? pathKeyOf(c.route)
}

function collapsed (copies: Copies): PathCandidate {
  return Array.isArray(copies) ? copies[0] as PathCandidate : copies
}

/** The entry's ranking with the step that placed each path below the one above (built once per change). */
function rankedOf (entry: CapabilityEntry): Ranked<PathCandidate>[] {
  if (entry.ranked !== undefined) return entry.ranked
  const order = entry.order
  const out: Ranked<PathCandidate>[] = new Array(order.length)
  for (let i = 0; i < order.length; i++) {
    const candidate = order[i] as PathCandidate
    const above = i === 0 ? undefined : order[i - 1]
    out[i] = { candidate, reason: above === undefined ? BEST_REASON : localReason(above, candidate) }
  }
  entry.ranked = out
  return out
}
