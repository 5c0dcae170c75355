/**
 * Loc-RIB: every path per capability (ADD-PATH style, RFC 7911), in a CapabilityTrie
 * for longest match and subtree walks.
 *
 * Per capability and path id it holds the copies received over each session; copies
 * collapse to one (collapseCopies: usable, local pref, fresh, newest, shortest
 * cluster list and org path, lowest session). At most maxPathsPerCapability paths are
 * selected, by usable-first then the global order (compareGlobal) — never a
 * viewer-relative term, so what a reflector propagates cannot oscillate (RFC 3345).
 * The selected paths are ranked locally (rankLocal) for views and resolve.
 *
 * Changes are staged (set/delete mark the capability dirty) and committed in one
 * pass, so a frame of 500 routes re-ranks each touched capability once.
 */
import { CapabilityTrie } from '../capability/trie.ts'
import { collapseCopies, rankLocal, type LocalCandidate } from '../decision/local-rank.ts'
import { compareGlobal } from '../decision/global-order.ts'
import type { Ranked } from '../decision/step.ts'
import type { PathKey, Route } from '../route/route.ts'
import { routePathKey } from '../route/route.ts'
import { sameStrings } from './adj-rib-out.ts'

/** A Loc-RIB copy: the decision's candidate plus why it is not usable, for views. */
export interface PathCandidate extends LocalCandidate {
  /** Damped (RFC 2439): unusable until reuse. */
  readonly suppressed: boolean
}

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

interface CapabilityEntry {
  /** path id → session → copy (session '' = local agent). */
  readonly copies: Map<PathKey, Map<string, PathCandidate>>
  ranked: Ranked<PathCandidate>[]
  /** Selected usable paths: what export may advertise. */
  exported: Map<PathKey, PathCandidate>
}

export interface LocRibOptions {
  readonly maxPathsPerCapability: number
}

export class LocRib {
  readonly maxPathsPerCapability: number
  private readonly trie = new CapabilityTrie<CapabilityEntry>()
  private readonly dirty = new Set<string>()
  private copyCount = 0

  constructor (options: LocRibOptions) {
    this.maxPathsPerCapability = options.maxPathsPerCapability
  }

  /** Copies held (all sessions, all capabilities). */
  get size (): number { return this.copyCount }

  set (candidate: PathCandidate): void {
    const capability = candidate.route.attrs.capability
    let entry = this.trie.get(capability)
    if (entry === undefined) {
      entry = { copies: new Map(), ranked: [], exported: new Map() }
      this.trie.set(capability, entry)
    }
    const path = routePathKey(candidate.route)
    let copies = entry.copies.get(path)
    if (copies === undefined) {
      copies = new Map()
      entry.copies.set(path, copies)
    }
    if (!copies.has(candidate.fromPeer)) this.copyCount++
    copies.set(candidate.fromPeer, candidate)
    this.dirty.add(capability)
  }

  delete (capability: string, path: PathKey, fromPeer: string): PathCandidate | undefined {
    const copies = this.trie.get(capability)?.copies.get(path)
    const prev = copies?.get(fromPeer)
    if (copies === undefined || prev === undefined) return undefined
    copies.delete(fromPeer)
    this.copyCount--
    if (copies.size === 0) this.trie.get(capability)?.copies.delete(path)
    this.dirty.add(capability)
    return prev
  }

  getCopy (capability: string, path: PathKey, fromPeer: string): PathCandidate | undefined {
    return this.trie.get(capability)?.copies.get(path)?.get(fromPeer)
  }

  /** All copies of a path (any session), e.g. to reuse a signature verification. */
  copiesOf (capability: string, path: PathKey): ReadonlyMap<string, PathCandidate> | undefined {
    return this.trie.get(capability)?.copies.get(path)
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
    for (const capability of this.dirty) {
      const change = this.rerank(capability)
      if (change !== undefined) changes.push(change)
    }
    this.dirty.clear()
    return changes
  }

  /** Selected paths of a capability in local rank order (empty when none). */
  ranked (capability: string): readonly Ranked<PathCandidate>[] {
    return this.trie.get(capability)?.ranked ?? []
  }

  /** The copy of a path that export may advertise (selected and usable). */
  exported (capability: string, path: PathKey): PathCandidate | undefined {
    return this.trie.get(capability)?.exported.get(path)
  }

  /** [capability, ranked] at or under `prefix` ('' or undefined: all), in capability order. */
  * capabilities (prefix?: string): Generator<[string, readonly Ranked<PathCandidate>[]]> {
    for (const [capability, entry] of this.trie.subtree(prefix)) yield [capability, entry.ranked]
  }

  /** Every exportable copy at or under `prefix`, in capability order then rank order. */
  * exportable (prefix?: string): Generator<PathCandidate> {
    for (const [, entry] of this.trie.subtree(prefix)) {
      for (const r of entry.ranked) if (entry.exported.has(routePathKey(r.candidate.route))) yield r.candidate
    }
  }

  has (capability: string): boolean { return this.trie.has(capability) }

  private rerank (capability: string): LocRibChange | undefined {
    const entry = this.trie.get(capability)
    if (entry === undefined) return undefined
    const collapsed: PathCandidate[] = []
    for (const copies of entry.copies.values()) {
      if (copies.size === 1) {
        for (const c of copies.values()) collapsed.push(c)
      } else {
        collapsed.push(collapseCopies([...copies.values()]) as PathCandidate)
      }
    }
    const selected = collapsed.length <= this.maxPathsPerCapability
      ? collapsed
      : collapsed.sort(selectionOrder).slice(0, this.maxPathsPerCapability)
    const ranked = rankLocal(selected) as Ranked<PathCandidate>[]
    const exported = new Map<PathKey, PathCandidate>()
    for (const r of ranked) if (r.candidate.usable) exported.set(routePathKey(r.candidate.route), r.candidate)

    const exportPaths: PathKey[] = []
    for (const [path, c] of exported) {
      const old = entry.exported.get(path)
      if (old === undefined || old.route !== c.route || old.fromPeer !== c.fromPeer) exportPaths.push(path)
    }
    for (const path of entry.exported.keys()) if (!exported.has(path)) exportPaths.push(path)
    const visible = !sameRanking(entry.ranked, ranked)
    entry.ranked = ranked
    entry.exported = exported
    if (entry.copies.size === 0) this.trie.delete(capability)
    if (!visible && exportPaths.length === 0) return undefined
    return { capability, visible, exportPaths }
  }
}

/** Which paths a full capability keeps: usable first, then the global order (RFC 3345-safe). */
function selectionOrder (a: LocalCandidate, b: LocalCandidate): number {
  if (a.usable !== b.usable) return a.usable ? -1 : 1
  return compareGlobal(a.route, b.route)
}

function sameRanking (a: readonly Ranked<PathCandidate>[], b: readonly Ranked<PathCandidate>[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as Ranked<PathCandidate>).candidate
    const y = (b[i] as Ranked<PathCandidate>).candidate
    if (x === y) continue
    if (x.fromPeer !== y.fromPeer || x.usable !== y.usable || x.stale !== y.stale || x.suppressed !== y.suppressed ||
      x.localPref !== y.localPref || !sameVisibleRoute(x.route, y.route)) return false
  }
  return true
}

/**
 * Same route as GET /v1/routes shows it, ignoring the bookkeeping every refresh moves
 * (originSeq, originatedAtMs, measuredAtMs): a refresh that changes nothing visible is
 * not a Loc-RIB change (the simulator's convergence checker counts on it).
 */
export function sameVisibleRoute (a: Route, b: Route): boolean {
  if (a === b) return true
  const x = a.attrs
  const y = b.attrs
  return x.capability === y.capability && x.originOrg === y.originOrg && x.agentId === y.agentId &&
    x.originPeerId === y.originPeerId && x.endpoint === y.endpoint && x.costUsd === y.costUsd &&
    x.latencyMs.p50 === y.latencyMs.p50 && x.latencyMs.p95 === y.latencyMs.p95 &&
    x.winRate.wins === y.winRate.wins && x.winRate.trials === y.winRate.trials && x.region === y.region &&
    sameStrings(x.tags, y.tags) && sameStrings(a.orgPath, b.orgPath) && a.originatorId === b.originatorId &&
    sameStrings(a.clusterList, b.clusterList) && sameStrings(a.pathTags, b.pathTags)
}
