/**
 * Neighbor interests (RFC 4684's idea): capability prefixes a neighbor wants, from
 * its OPEN and replaced by a ROUTE_REFRESH that carries interests. Empty = all.
 *
 * InterestIndex answers "which neighbors want capability c?" without scanning every
 * neighbor: a reflector with thousands of clients looks up only the prefixes of c
 * (at most MAX_CAPABILITY_DEPTH of them).
 */
import { capabilitySegments, matchesInterests } from '../kernel/index.ts'

/** Largest interest set accepted from one neighbor; more is refused by the caller. */
export const MAX_INTERESTS_PER_NEIGHBOR = 1024

/** Capabilities whose wanting() answer is kept; a federation's vocabulary is usually far smaller. */
const WANTING_CACHE_MAX = 10_000

export class InterestIndex {
  /** interest prefix → neighbors (insertion order: the order they registered). */
  private readonly byPrefix = new Map<string, Set<string>>()
  /** Neighbors with no interests: they want everything. */
  private readonly wantAll = new Set<string>()
  private readonly interests = new Map<string, readonly string[]>()
  /** wanting() answers by capability, dropped on every change of interests (bounded by WANTING_CACHE_MAX). */
  private readonly wantingCache = new Map<string, readonly string[]>()

  /** Registers (or replaces) a neighbor's interests. */
  set (peer: string, interests: readonly string[]): void {
    this.delete(peer)
    this.wantingCache.clear()
    const unique = [...new Set(interests)]
    this.interests.set(peer, unique)
    if (unique.length === 0) {
      this.wantAll.add(peer)
      return
    }
    for (const prefix of unique) {
      let set = this.byPrefix.get(prefix)
      if (set === undefined) {
        set = new Set()
        this.byPrefix.set(prefix, set)
      }
      set.add(peer)
    }
  }

  delete (peer: string): void {
    const old = this.interests.get(peer)
    if (old === undefined) return
    this.wantingCache.clear()
    this.interests.delete(peer)
    this.wantAll.delete(peer)
    for (const prefix of old) {
      const set = this.byPrefix.get(prefix)
      if (set === undefined) continue
      set.delete(peer)
      if (set.size === 0) this.byPrefix.delete(prefix)
    }
  }

  has (peer: string): boolean { return this.interests.has(peer) }
  interestsOf (peer: string): readonly string[] | undefined { return this.interests.get(peer) }

  /** True when the registered neighbor wants the capability. */
  wants (peer: string, capability: string): boolean {
    const list = this.interests.get(peer)
    return list !== undefined && matchesInterests(capability, list)
  }

  /**
   * Neighbors that want `capability`: those with no interests first, then those with
   * an interest that is a segment-prefix of it, shortest prefix first. Deterministic.
   * The array is shared between calls until interests change: do not modify it.
   */
  wanting (capability: string): readonly string[] {
    let hit = this.wantingCache.get(capability)
    if (hit === undefined) {
      hit = this.computeWanting(capability)
      if (this.wantingCache.size >= WANTING_CACHE_MAX) this.wantingCache.clear()
      this.wantingCache.set(capability, hit)
    }
    return hit
  }

  private computeWanting (capability: string): string[] {
    const out = new Set<string>(this.wantAll)
    if (this.byPrefix.size > 0) {
      const segments = capabilitySegments(capability)
      let prefix = ''
      for (const seg of segments) {
        prefix = prefix === '' ? seg : `${prefix}/${seg}`
        const set = this.byPrefix.get(prefix)
        if (set !== undefined) for (const p of set) out.add(p)
      }
    }
    return [...out]
  }
}

/**
 * When a neighbor's interests change, the paths to re-examine lie under these
 * prefixes: everything when either set is empty (it meant "all"), else the union of
 * both sets. The caller re-runs the export decision for them and sends the
 * difference (announce what now matches, withdraw what no longer does).
 */
export function interestChangeScope (before: readonly string[], after: readonly string[]): 'all' | string[] {
  if (before.length === 0 || after.length === 0) return 'all'
  return [...new Set([...before, ...after])].sort()
}

export function sameInterests (a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const sa = new Set(a)
  return b.every((x) => sa.has(x))
}
