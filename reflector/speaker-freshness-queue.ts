/**
 * A min-heap of freshness transitions (fresh → stale → expired) of received routes,
 * so the Speaker arms ONE `freshness` timer at the earliest transition instead of a
 * timer per route. Entries are checked lazily: each records the originatedAtMs it was
 * computed for, and an entry whose route has since been refreshed, replaced or
 * withdrawn is skipped when it surfaces.
 *
 * Bounded in practice by routes × (staleS / refreshS) outdated entries at most, since
 * every entry surfaces and leaves within maxAgeS of its route's origination.
 */
import type { PathKey } from '../agp/index.ts'

export interface FreshnessEntry {
  readonly atMs: number
  readonly peer: string
  readonly path: PathKey
  readonly originatedAtMs: number
}

export class FreshnessQueue {
  private readonly heap: FreshnessEntry[] = []

  get size (): number { return this.heap.length }

  peek (): FreshnessEntry | undefined { return this.heap[0] }

  push (e: FreshnessEntry): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i] as FreshnessEntry, h[parent] as FreshnessEntry)) break
      swap(h, i, parent)
      i = parent
    }
  }

  pop (): FreshnessEntry | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l] as FreshnessEntry, h[m] as FreshnessEntry)) m = l
      if (r < h.length && before(h[r] as FreshnessEntry, h[m] as FreshnessEntry)) m = r
      if (m === i) break
      swap(h, i, m)
      i = m
    }
    return top
  }
}

// Ties broken by peer then path: the pop order (and so the effect order) never
// depends on the heap's internal layout.
function before (a: FreshnessEntry, b: FreshnessEntry): boolean {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs
  if (a.peer !== b.peer) return a.peer < b.peer
  return a.path < b.path
}

function swap (h: FreshnessEntry[], i: number, j: number): void {
  const t = h[i] as FreshnessEntry
  h[i] = h[j] as FreshnessEntry
  h[j] = t
}
