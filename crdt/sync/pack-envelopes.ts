/** Envelopes grouped into `envelopes` messages of bounded count and size. */
import { encodeEnvelope } from '../codec/envelope-codec.ts'
import type { Envelope } from '../envelope.ts'

/** Payload of one message, so that it stays well under the 1 MiB message limit. */
export const MAX_MESSAGE_PAYLOAD_BYTES = 512 * 1024

export interface EnvelopeBatch {
  readonly envelopes: Envelope[]
  /** Encoded size of the envelopes (what the batch adds to a stream's queue). */
  readonly bytes: number
}

/** Groups envelopes into messages of at most `max` envelopes and ~512 KiB, keeping their order. */
export function packEnvelopeBatches (envelopes: readonly Envelope[], max: number): EnvelopeBatch[] {
  const out: EnvelopeBatch[] = []
  let cur: Envelope[] = []
  let bytes = 0
  for (const e of envelopes) {
    const size = encodeEnvelope(e).length
    if (cur.length > 0 && (cur.length >= max || bytes + size > MAX_MESSAGE_PAYLOAD_BYTES)) { out.push({ envelopes: cur, bytes }); cur = []; bytes = 0 }
    cur.push(e)
    bytes += size
  }
  if (cur.length > 0) out.push({ envelopes: cur, bytes })
  return out
}

export function packEnvelopes (envelopes: readonly Envelope[], max: number): Envelope[][] {
  return packEnvelopeBatches(envelopes, max).map((b) => b.envelopes)
}
