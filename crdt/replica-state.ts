/**
 * What a replica knows besides the Y.Doc: the applied prefix of every stream (its
 * version vector), the envelope id of every (stream, seq), the bodies still held
 * (compaction drops old ones), the clientId ↔ stream and peerId → org bindings, and
 * the provenance index. Checkpoints (checkpoint-codec.ts) save and restore exactly this.
 */
import type { Envelope } from './envelope.ts'
import { ProvenanceIndex } from './provenance-index.ts'
import type { EnvelopeMeta, HistoryRecord } from './provenance-index.ts'
import type { KeyWrite } from './update-inspect.ts'
import { streamKey } from './vector-clock.ts'

export class ReplicaState {
  /** Version vector: stream → highest applied seq (a prefix 1..n is always held). */
  readonly applied = new Map<string, number>()
  /** stream → envelope ids by seq − 1. */
  readonly streamIds = new Map<string, string[]>()
  /** Envelope bodies still held (missingFor sends these; compaction drops old ones). */
  readonly bodies = new Map<string, Envelope>()
  readonly clientStream = new Map<number, string>()
  readonly streamClient = new Map<string, number>()
  readonly peerOrg = new Map<string, string>()
  readonly index: ProvenanceIndex

  constructor (maxHistoryPerKey: number) {
    this.index = new ProvenanceIndex(maxHistoryPerKey)
  }

  bindClient (clientId: number, stream: string): void {
    this.clientStream.set(clientId, stream)
    this.streamClient.set(stream, clientId)
  }

  /** Records an applied envelope (body undefined when restoring a compacted one); `stream` when the caller has its key already. */
  record (meta: EnvelopeMeta, body: Envelope | undefined, writes: Iterable<[string, KeyWrite]>, stream = streamKey(meta.peerId, meta.epoch)): void {
    this.applied.set(stream, meta.seq)
    let ids = this.streamIds.get(stream)
    if (ids === undefined) { ids = []; this.streamIds.set(stream, ids) }
    ids[meta.seq - 1] = meta.id
    if (body !== undefined) this.bodies.set(meta.id, body)
    this.bindClient(meta.clientId, stream)
    this.peerOrg.set(meta.peerId, meta.org)
    this.index.add(meta, writes)
  }

  /** Restores from a checkpoint: metas (in stream order) and history records. */
  restore (metas: Iterable<EnvelopeMeta>, history: Iterable<HistoryRecord>): void {
    const sorted = [...metas].sort((a, b) => a.seq - b.seq)
    for (const m of sorted) this.record(m, undefined, [])
    for (const r of history) this.index.addHistory(r)
  }

  idAt (stream: string, seq: number): string | undefined {
    return this.streamIds.get(stream)?.[seq - 1]
  }
}
