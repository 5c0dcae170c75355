/**
 * Paired writer/reader of a vector clock inside the memory codecs (envelope deps, sync
 * vectors, checkpoint metas). One canonical form everywhere: entries sorted by stream
 * key, zero entries omitted. The reader refuses any other form, because an envelope's
 * id and signature cover these bytes and two spellings of one clock would give two ids.
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MemoryDecodeError } from '../errors.ts'
import { parseStreamKey, sortedEntries, streamKey, type VectorClock } from '../vector-clock.ts'
import { PEER_ID_RE, StringMemo, readBound, readUint } from './safe-decoding.ts'

const peerIds = new StringMemo(PEER_ID_RE)

export function writeVectorClock (enc: encoding.Encoder, clock: VectorClock): void {
  const entries = sortedEntries(clock)
  encoding.writeVarUint(enc, entries.length)
  for (const [key, seq] of entries) {
    const { peerId, epoch } = parseStreamKey(key)
    encoding.writeVarString(enc, peerId)
    encoding.writeVarUint(enc, epoch)
    encoding.writeVarUint(enc, seq)
  }
}

export function readVectorClock (d: decoding.Decoder, what: string, maxEntries: number): Map<string, number> {
  const n = readBound(d, `${what} size`, maxEntries)
  const clock = new Map<string, number>()
  let prev = ''
  for (let i = 0; i < n; i++) {
    const key = streamKey(peerIds.read(d, `${what} peerId`, 128), readUint(d, `${what} epoch`))
    const seq = readUint(d, `${what} seq`)
    if (seq < 1) throw new MemoryDecodeError(`${what}: seq must be ≥ 1 (zero entries are omitted)`)
    if (i > 0 && key <= prev) throw new MemoryDecodeError(`${what}: entries not in canonical order`)
    clock.set(key, seq)
    prev = key
  }
  return clock
}
