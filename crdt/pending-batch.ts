/**
 * Local Yjs updates waiting to share one envelope. Changes within `windowMs` of the
 * first one are sealed together ("changes within a short window share one
 * envelope"); the driver asks dueAtMs() when to call flush. Merging a batch with
 * Y.mergeUpdates is fine here: a batch holds few updates (bounded by maxUpdates and
 * maxBytes), far from Y.mergeUpdates' superlinear regime.
 */
import * as Y from 'yjs'

export class PendingBatch {
  private updates: Uint8Array[] = []
  private bytes = 0
  private firstAtMs: number | undefined
  constructor (private readonly windowMs: number, private readonly maxUpdates: number, private readonly maxBytes: number) {}

  get isEmpty (): boolean { return this.updates.length === 0 }

  /** True when adding `update` would overflow: seal the batch first. */
  wouldOverflow (update: Uint8Array): boolean {
    return this.updates.length > 0 && (this.updates.length >= this.maxUpdates || this.bytes + update.length > this.maxBytes)
  }

  add (update: Uint8Array, nowMs: number): void {
    if (this.updates.length === 0) this.firstAtMs = nowMs
    this.updates.push(update)
    this.bytes += update.length
  }

  /** When the batch must be sealed, or undefined when empty. */
  dueAtMs (): number | undefined {
    return this.firstAtMs === undefined ? undefined : this.firstAtMs + this.windowMs
  }

  isDue (nowMs: number): boolean {
    const due = this.dueAtMs()
    return due !== undefined && nowMs >= due
  }

  /** The batch as one update, and resets. */
  take (): Uint8Array | undefined {
    if (this.updates.length === 0) return undefined
    const merged = this.updates.length === 1 ? this.updates[0] : Y.mergeUpdates(this.updates)
    this.updates = []
    this.bytes = 0
    this.firstAtMs = undefined
    return merged
  }
}
