/**
 * A writer's sealed envelopes between seal and flush. A local batch is sealed when its
 * window ends or it overflows, but signed only at the flush, together with every other
 * envelope sealed since the last one: one signature covers them all (envelope-batch.ts).
 * Their seqs and deps are fixed at seal time, so the order and causality of local
 * changes do not depend on when the flush comes.
 */
import type * as Y from 'yjs'
import { AtpError } from '../kernel/index.ts'
import type { Hasher, Signer } from '../kernel/index.ts'
import { signEnvelopeBatch } from './codec/envelope-batch.ts'
import type { Envelope, UnsignedEnvelope } from './envelope.ts'
import type { MemoryLimits } from './limits.ts'
import { inspectUpdate } from './update-inspect.ts'
import type { UpdateInspection } from './update-inspect.ts'
import type { VectorClock } from './vector-clock.ts'
import { streamKey } from './vector-clock.ts'

/** This node as a writer of the namespace (absent at a relay or a read-only member). */
export interface LocalWriter {
  readonly org: string
  readonly signer: Signer
  /** Process lifetime number (persisted, incremented at every start). */
  readonly epoch: number
  /** Fresh Yjs clientID for this lifetime, from the driver's Random: reusing a clientID after a crash that lost updates diverges peers silently. */
  readonly clientId: number
}

export interface SignedLocal { readonly envelope: Envelope, readonly inspection: UpdateInspection }

export class LocalSeals {
  private pending: Array<{ readonly unsigned: UnsignedEnvelope, readonly inspection: UpdateInspection }> = []
  /** Clock of the writer's client where the next sealed batch starts. */
  private sealedTo = 0
  constructor (private readonly writer: LocalWriter, private readonly namespace: string, private readonly limits: MemoryLimits, private readonly hasher: Hasher) {}

  /** Envelopes sealed and not yet signed. */
  get count (): number { return this.pending.length }

  /** Seals `update` (already in `doc`) as the writer's next envelope after `applied`, the replica's version vector. */
  seal (doc: Y.Doc, update: Uint8Array, applied: VectorClock, nowMs: number): void {
    const w = this.writer
    const inspected = inspectUpdate(doc, update, w.clientId, this.limits, this.sealedTo)
    if (!inspected.ok) throw new AtpError('ERR_MEMORY_INTERNAL', `local batch failed inspection: ${inspected.reason} ${inspected.detail}`)
    const stream = streamKey(w.signer.peerId, w.epoch)
    const seq = (applied.get(stream) ?? 0) + this.pending.length + 1
    // deps are taken at seal time: a superset of what each change of the batch saw,
    // so receivers hold every item the batch refers to before they apply it.
    const deps = new Map(applied)
    if (seq > 1) deps.set(stream, seq - 1)
    this.pending.push({ unsigned: { namespace: this.namespace, org: w.org, peerId: w.signer.peerId, epoch: w.epoch, clientId: w.clientId, seq, deps, atMs: nowMs, update }, inspection: inspected.inspection })
    this.sealedTo = inspected.inspection.to
  }

  /** Signs every sealed envelope (one signature per batch) and hands them over in seq order. */
  sign (): SignedLocal[] {
    if (this.pending.length === 0) return []
    const pending = this.pending
    this.pending = []
    const signed = signEnvelopeBatch(pending.map((p) => p.unsigned), this.writer.signer, this.hasher)
    return signed.map((envelope, i) => ({ envelope, inspection: (pending[i] as (typeof pending)[number]).inspection }))
  }
}
