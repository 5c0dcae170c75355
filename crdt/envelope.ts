/**
 * The signed envelope: one batch of local Yjs changes and its provenance. Yjs applies
 * `update` as is; everything else says who wrote it, in which process lifetime
 * (epoch, clientId), as which change of that stream (seq), after what (deps).
 */
import type { VectorClock } from './vector-clock.ts'
import { streamKey } from './vector-clock.ts'

/** An envelope signed alone. */
export const ENVELOPE_VERSION = 1
/** An envelope signed as a member of a batch (envelope-batch.ts): it carries a proof. */
export const BATCHED_ENVELOPE_VERSION = 2

export interface UnsignedEnvelope {
  readonly namespace: string
  readonly org: string
  readonly peerId: string
  /** Writer process lifetime; with peerId it names the stream. */
  readonly epoch: number
  /** Yjs clientID of that lifetime (fresh at every start, bound to (peerId, epoch)). */
  readonly clientId: number
  /** 1, 2, 3... within the stream. */
  readonly seq: number
  /** The writer's version vector before this change (see vector-clock.ts). */
  readonly deps: VectorClock
  /** Writer's clock when the batch was sealed (informative: never used to order). */
  readonly atMs: number
  /** Yjs update (v1 encoding) with structs of `clientId` only. */
  readonly update: Uint8Array
}

/** An envelope's place in its writer's signed batch: RFC 6962's audit path (kernel/merkle-tree.ts). */
export interface EnvelopeBatchProof {
  readonly index: number
  /** Envelopes in the batch, 2…MAX_ENVELOPE_BATCH (a batch of one has no proof). */
  readonly size: number
  /** Sibling hashes from the leaf up, 32 bytes each. */
  readonly path: Uint8Array
}

export interface Envelope extends UnsignedEnvelope {
  /**
   * Writer's signature: over envelopeSigningBytes(envelope) when `batch` is absent,
   * else over the batch's root (envelope-batch.ts).
   */
  readonly signature: Uint8Array
  readonly batch?: EnvelopeBatchProof
}

export function envelopeStream (e: Pick<UnsignedEnvelope, 'peerId' | 'epoch'>): string {
  return streamKey(e.peerId, e.epoch)
}

/** The envelope's own vector clock: its deps plus itself. */
export function envelopeClock (e: Pick<UnsignedEnvelope, 'peerId' | 'epoch' | 'seq' | 'deps'>): VectorClock {
  const c = new Map(e.deps)
  c.set(envelopeStream(e), e.seq)
  return c
}
