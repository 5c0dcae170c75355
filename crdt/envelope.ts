/**
 * The signed envelope: one batch of local Yjs changes and its provenance. Yjs applies
 * `update` as is; everything else says who wrote it, in which process lifetime
 * (epoch, clientId), as which change of that stream (seq), after what (deps).
 */
import type { VectorClock } from './vector-clock.ts'
import { streamKey } from './vector-clock.ts'

export const ENVELOPE_VERSION = 1

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

export interface Envelope extends UnsignedEnvelope {
  /** Writer's signature over encodeEnvelopeBody(envelope). */
  readonly signature: Uint8Array
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
