/**
 * Binary-heap priority queue keyed by (timeMs, seq): events at the same virtual time
 * come out in the order they were scheduled, so a seed replays exactly.
 */
export interface Scheduled<T> {
  readonly timeMs: number
  readonly seq: number
  readonly item: T
}

export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = []
  private nextSeq = 0

  get size (): number { return this.heap.length }

  push (timeMs: number, item: T): void {
    const entry: Scheduled<T> = { timeMs, seq: this.nextSeq++, item }
    const h = this.heap
    let i = h.length
    h.push(entry)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = h[parent] as Scheduled<T>
      if (!before(entry, p)) break
      h[i] = p
      i = parent
    }
    h[i] = entry
  }

  peekTimeMs (): number {
    return this.heap.length > 0 ? (this.heap[0] as Scheduled<T>).timeMs : Infinity
  }

  pop (): Scheduled<T> | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    let i = 0
    const n = h.length
    while (true) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      if (r < n && before(h[r] as Scheduled<T>, h[l] as Scheduled<T>)) c = r
      const child = h[c] as Scheduled<T>
      if (!before(child, last)) break
      h[i] = child
      i = c
    }
    h[i] = last
    return top
  }
}

function before<T> (a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq)
}

/** Plain FIFO with an amortized O(1) shift (FIFO mode's message queue). */
export class FifoQueue<T> {
  private items: T[] = []
  private head = 0

  get size (): number { return this.items.length - this.head }

  push (item: T): void { this.items.push(item) }

  shift (): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head++]
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}
