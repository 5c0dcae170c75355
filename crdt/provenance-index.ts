/**
 * Provenance: (clientId, clock range) → envelope metadata, and the writes per entry
 * key. It outlives the update bytes: compaction drops those but keeps every meta, so
 * "who wrote this, after what" still answers.
 */
import type { Envelope } from './envelope.ts'
import { clockWeight, streamKey } from './vector-clock.ts'

/**
 * What provenance keeps of an envelope once its update bytes may be compacted away:
 * the signed header fields (see Envelope) plus where its update landed.
 */
export interface EnvelopeMeta extends Pick<Envelope, 'org' | 'peerId' | 'epoch' | 'clientId' | 'seq' | 'deps' | 'atMs' | 'signature'> {
  readonly id: string
  /** Verified when applied (a meta only exists for a verified envelope). */
  readonly signatureValid: boolean
  /** Clock run [from, to) of clientId that the envelope's update created. */
  readonly from: number
  readonly to: number
}

export interface HistoryRecord {
  readonly key: string
  readonly value: unknown
  readonly deleted: boolean
  readonly envelopeId: string
}

export interface KeyWriteWithMeta { readonly value: unknown, readonly deleted: boolean, readonly meta: EnvelopeMeta }

interface Run { readonly from: number, readonly to: number, readonly id: string }

/** Deterministic linear extension of happens-before: clock weight, then stream, then seq. */
export type CausalKey = Pick<EnvelopeMeta, 'peerId' | 'epoch' | 'seq' | 'deps'>

export function compareCausal (a: CausalKey, b: CausalKey): number {
  const wa = clockWeight(a.deps) + 1
  const wb = clockWeight(b.deps) + 1
  if (wa !== wb) return wa - wb
  const sa = streamKey(a.peerId, a.epoch)
  const sb = streamKey(b.peerId, b.epoch)
  if (sa !== sb) return sa < sb ? -1 : 1
  return a.seq - b.seq
}

export class ProvenanceIndex {
  private readonly metas = new Map<string, EnvelopeMeta>()
  private readonly runs = new Map<number, Run[]>()
  private readonly history = new Map<string, HistoryRecord[]>()
  constructor (private readonly maxHistoryPerKey: number) {}

  add (meta: EnvelopeMeta, writes: Iterable<[string, { value: unknown, deleted: boolean }]>): void {
    this.metas.set(meta.id, meta)
    if (meta.to > meta.from) {
      let list = this.runs.get(meta.clientId)
      if (list === undefined) { list = []; this.runs.set(meta.clientId, list) }
      list.push({ from: meta.from, to: meta.to, id: meta.id }) // clocks only grow per client (update-inspect)
    }
    for (const [key, w] of writes) this.addHistory({ key, value: w.value, deleted: w.deleted, envelopeId: meta.id })
  }

  addHistory (r: HistoryRecord): void {
    let list = this.history.get(r.key)
    if (list === undefined) { list = []; this.history.set(r.key, list) }
    list.push(r)
    if (list.length > this.maxHistoryPerKey) list.shift()
  }

  meta (id: string): EnvelopeMeta | undefined { return this.metas.get(id) }
  metaCount (): number { return this.metas.size }
  allMetas (): IterableIterator<EnvelopeMeta> { return this.metas.values() }
  allHistory (): Iterable<HistoryRecord> { return [...this.history.values()].flat() }

  /** The envelope that created item (client, clock). */
  lookup (client: number, clock: number): EnvelopeMeta | undefined {
    const list = this.runs.get(client)
    if (list === undefined) return undefined
    let lo = 0
    let hi = list.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = list[mid]
      if (r === undefined) break
      if (clock < r.from) hi = mid - 1
      else if (clock >= r.to) lo = mid + 1
      else return this.metas.get(r.id)
    }
    return undefined
  }

  /** Splits the run [clock, clock+len) of a client into pieces by envelope. */
  split (client: number, clock: number, len: number): Array<{ readonly offset: number, readonly len: number, readonly meta: EnvelopeMeta | undefined }> {
    const out: Array<{ offset: number, len: number, meta: EnvelopeMeta | undefined }> = []
    let c = clock
    while (c < clock + len) {
      const meta = this.lookup(client, c)
      const end = Math.min(clock + len, meta === undefined ? c + 1 : meta.to)
      out.push({ offset: c - clock, len: end - c, meta })
      c = end
    }
    return out
  }

  /** Writes to an entry key, in causal order (see compareCausal). */
  keyHistory (key: string): KeyWriteWithMeta[] {
    const out: KeyWriteWithMeta[] = []
    for (const r of this.history.get(key) ?? []) {
      const meta = this.metas.get(r.envelopeId)
      if (meta !== undefined) out.push({ value: r.value, deleted: r.deleted, meta })
    }
    return out.sort((a, b) => compareCausal(a.meta, b.meta))
  }
}
