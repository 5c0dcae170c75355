/**
 * A queue of freshness transitions (fresh → stale → expired) of received routes, so
 * the Speaker arms ONE `freshness` timer at the earliest transition instead of a timer
 * per route. Entries are checked lazily: each records the freshness stamp it was
 * computed for (agp/route/batch-refresh.ts stampOf: the origination, or the latest
 * batch refresh), and an entry whose route has since been refreshed, replaced or
 * withdrawn is skipped when it surfaces.
 *
 * Entries leave in (atMs, peer, path) order. They are kept in buckets of one (atMs,
 * peer), a min-heap of buckets, each bucket two flat arrays (paths, stamps)
 * sorted by path when it reaches the top: the routes of one origination batch share a
 * transition time, so a reflector holding 100,000 routes keeps a few buckets and about
 * 16 bytes per route instead of an object (and two boxed numbers) per route.
 *
 * Bounded in practice by routes × (staleS / refreshS) outdated entries at most, since
 * every entry surfaces and leaves within maxAgeS of its route's origination.
 */
import type { PathKey } from '../agp/index.ts'

export interface FreshnessEntry {
  readonly atMs: number
  readonly peer: string
  readonly path: PathKey
  readonly stampMs: number
}

interface Bucket {
  readonly atMs: number
  readonly peer: string
  readonly paths: PathKey[]
  readonly stampMs: number[]
  /** Entries before it have left. */
  head: number
  /** paths[head…] is in order (path, then arrival). */
  sorted: boolean
  /** Entries in [head, scanFrom) were found outdated by nextLiveAtMs (reset when reordered). */
  scanFrom: number
}

/** A consumed prefix at least this long, and half the bucket, is cut off (memory back as a large bucket drains). */
const COMPACT_AFTER = 1024

export class FreshnessQueue {
  private readonly heap: Bucket[] = []
  /** atMs → peer → its bucket. */
  private readonly buckets = new Map<number, Map<string, Bucket>>()
  /** The last bucket pushed to: the routes of one UPDATE mostly share it. */
  private last: Bucket | undefined
  private count = 0
  /** The top entry as an object, built once per top. */
  private top: FreshnessEntry | undefined
  private sortCount = 0

  get size (): number { return this.count }

  /** Times a bucket was sorted (tests: arming must not sort). */
  get sorts (): number { return this.sortCount }

  push (e: FreshnessEntry): void {
    this.add(e.atMs, e.peer, e.path, e.stampMs)
  }

  add (atMs: number, peer: string, path: PathKey, stampMs: number): void {
    let b = this.last
    if (b === undefined || b.atMs !== atMs || b.peer !== peer || b.head >= b.paths.length) b = this.bucketOf(atMs, peer)
    this.last = b
    const paths = b.paths
    const n = paths.length
    if (b.sorted && n > b.head && path < (paths[n - 1] as PathKey)) b.sorted = false
    paths.push(path)
    b.stampMs.push(stampMs)
    this.count++
    if (b === this.heap[0]) this.top = undefined
  }

  peek (): FreshnessEntry | undefined {
    if (this.top !== undefined) return this.top
    const b = this.heap[0]
    if (b === undefined) return undefined
    if (!b.sorted) {
      sortRemaining(b)
      this.sortCount++
    }
    this.top = { atMs: b.atMs, peer: b.peer, path: b.paths[b.head] as PathKey, stampMs: b.stampMs[b.head] as number }
    return this.top
  }

  /**
   * The transition time of the earliest bucket that holds a live entry (per `live`),
   * dropping buckets whose every entry is outdated. Every entry of a bucket shares its
   * atMs, so this needs no order within the bucket: the bucket is sorted by path only
   * when entries leave (peek/pop), not after each UPDATE of a large origination batch
   * arriving into it (a re-sort of the whole bucket per UPDATE held a reflector at a
   * million routes). Each entry is scanned at most once between reorderings.
   */
  nextLiveAtMs (live: (peer: string, path: PathKey, stampMs: number) => boolean): number | undefined {
    for (;;) {
      const b = this.heap[0]
      if (b === undefined) return undefined
      const paths = b.paths
      let i = Math.max(b.head, b.scanFrom)
      while (i < paths.length && !live(b.peer, paths[i] as PathKey, b.stampMs[i] as number)) i++
      b.scanFrom = i
      if (i < paths.length) return b.atMs
      this.count -= paths.length - b.head
      this.top = undefined
      this.removeTop(b)
    }
  }

  pop (): FreshnessEntry | undefined {
    const e = this.peek()
    if (e === undefined) return undefined
    const b = this.heap[0] as Bucket
    b.head++
    this.count--
    this.top = undefined
    if (b.head >= b.paths.length) {
      this.removeTop(b)
    } else if (b.head >= COMPACT_AFTER && 2 * b.head >= b.paths.length) {
      b.paths.splice(0, b.head)
      b.stampMs.splice(0, b.head)
      b.scanFrom = Math.max(0, b.scanFrom - b.head)
      b.head = 0
    }
    return e
  }

  private bucketOf (atMs: number, peer: string): Bucket {
    let byPeer = this.buckets.get(atMs)
    if (byPeer === undefined) {
      byPeer = new Map()
      this.buckets.set(atMs, byPeer)
    }
    let b = byPeer.get(peer)
    if (b === undefined) {
      b = { atMs, peer, paths: [], stampMs: [], head: 0, sorted: true, scanFrom: 0 }
      byPeer.set(peer, b)
      this.insert(b)
    }
    return b
  }

  private insert (b: Bucket): void {
    const h = this.heap
    h.push(b)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i] as Bucket, h[parent] as Bucket)) break
      swap(h, i, parent)
      i = parent
    }
    if (i === 0) this.top = undefined
  }

  private removeTop (b: Bucket): void {
    const byPeer = this.buckets.get(b.atMs)
    byPeer?.delete(b.peer)
    if (byPeer?.size === 0) this.buckets.delete(b.atMs)
    if (this.last === b) this.last = undefined
    const h = this.heap
    const last = h.pop() as Bucket
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l] as Bucket, h[m] as Bucket)) m = l
      if (r < h.length && before(h[r] as Bucket, h[m] as Bucket)) m = r
      if (m === i) break
      swap(h, i, m)
      i = m
    }
  }
}

/** Sorts a bucket's remaining entries by path, equal paths in arrival order. */
function sortRemaining (b: Bucket): void {
  const order: number[] = []
  for (let i = b.head; i < b.paths.length; i++) order.push(i)
  const paths = b.paths
  order.sort((x, y) => {
    const px = paths[x] as PathKey
    const py = paths[y] as PathKey
    return px < py ? -1 : px > py ? 1 : x - y
  })
  const p = order.map((i) => paths[i] as PathKey)
  const o = order.map((i) => b.stampMs[i] as number)
  for (let k = 0; k < order.length; k++) {
    paths[b.head + k] = p[k] as PathKey
    b.stampMs[b.head + k] = o[k] as number
  }
  b.sorted = true
  b.scanFrom = b.head
}

// Buckets are distinct (atMs, peer) pairs: the pop order never depends on the heap's
// internal layout.
function before (a: Bucket, b: Bucket): boolean {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs
  return a.peer < b.peer
}

function swap (h: Bucket[], i: number, j: number): void {
  const t = h[i] as Bucket
  h[i] = h[j] as Bucket
  h[j] = t
}
