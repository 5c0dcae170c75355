/**
 * Messages of `/atp/memory/1.0.0` (one per length-prefixed frame):
 *   hello      on connect: for each namespace the peer may receive, our version vector
 *   want       "send me what I lack": our vector again (gap fill after parking)
 *   envelopes  original signed envelopes, never re-encoded diffs
 * Layout: u8 version | u8 type | body (lib0 varints, as the envelope codec).
 */
import * as encoding from 'lib0/encoding'
import type { Envelope } from '../envelope.ts'
import { MemoryDecodeError } from '../errors.ts'
import { DEFAULT_MEMORY_LIMITS } from '../limits.ts'
import type { MemoryLimits } from '../limits.ts'
import type { VectorClock } from '../vector-clock.ts'
import { readVectorClock, writeVectorClock } from './vector-clock-codec.ts'
import { encodeEnvelope, readEnvelope } from './envelope-codec.ts'
import { NAMESPACE_RE, decodeGuarded, readBound, readBytes, readString, readUint } from './safe-decoding.ts'

export const SYNC_PROTOCOL = '/atp/memory/1.0.0'
export const SYNC_VERSION = 1
/** Namespaces announced in one hello. */
export const MAX_HELLO_NAMESPACES = 256
/** Streams in one vector on the wire. */
export const MAX_VECTOR_ENTRIES = 65_536

export interface NamespaceVector { readonly namespace: string, readonly vector: VectorClock }

export type SyncMessage =
  | { readonly type: 'hello', readonly namespaces: readonly NamespaceVector[] }
  | { readonly type: 'want', readonly namespace: string, readonly vector: VectorClock }
  | { readonly type: 'envelopes', readonly envelopes: readonly Envelope[] }

const TYPE_CODE = { hello: 1, want: 2, envelopes: 3 } as const

export function encodeSyncMessage (m: SyncMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeUint8(enc, SYNC_VERSION)
  encoding.writeUint8(enc, TYPE_CODE[m.type])
  switch (m.type) {
    case 'hello':
      encoding.writeVarUint(enc, m.namespaces.length)
      for (const ns of m.namespaces) { encoding.writeVarString(enc, ns.namespace); writeVectorClock(enc, ns.vector) }
      break
    case 'want':
      encoding.writeVarString(enc, m.namespace)
      writeVectorClock(enc, m.vector)
      break
    case 'envelopes':
      encoding.writeVarUint(enc, m.envelopes.length)
      for (const e of m.envelopes) encoding.writeVarUint8Array(enc, encodeEnvelope(e))
      break
  }
  return encoding.toUint8Array(enc)
}

/** Decodes one sync message; throws MemoryDecodeError (and nothing else) on bad bytes. */
export function decodeSyncMessage (bytes: Uint8Array, limits: MemoryLimits = DEFAULT_MEMORY_LIMITS): SyncMessage {
  return decodeGuarded('sync message', bytes, limits.maxSyncMessageBytes, (d) => {
    const version = readUint(d, 'version', 255)
    if (version !== SYNC_VERSION) throw new MemoryDecodeError(`sync version ${version} unsupported (want ${SYNC_VERSION})`)
    const type = readUint(d, 'type', 255)
    switch (type) {
      case TYPE_CODE.hello: {
        const n = readBound(d, 'namespace count', MAX_HELLO_NAMESPACES)
        const namespaces: NamespaceVector[] = []
        for (let i = 0; i < n; i++) namespaces.push({ namespace: readString(d, 'namespace', 64, NAMESPACE_RE), vector: readVectorClock(d, 'vector', MAX_VECTOR_ENTRIES) })
        return { type: 'hello', namespaces }
      }
      case TYPE_CODE.want:
        return { type: 'want', namespace: readString(d, 'namespace', 64, NAMESPACE_RE), vector: readVectorClock(d, 'vector', MAX_VECTOR_ENTRIES) }
      case TYPE_CODE.envelopes: {
        const n = readBound(d, 'envelope count', limits.maxEnvelopesPerMessage)
        const envelopes: Envelope[] = []
        for (let i = 0; i < n; i++) {
          const inner = readBytes(d, 'envelope', limits.maxEnvelopeBytes)
          // `inner` is readBytes' own copy: the envelope may keep views into it.
          envelopes.push(decodeGuarded('envelope', inner, limits.maxEnvelopeBytes, (ed) => readEnvelope(ed, limits, true)))
        }
        return { type: 'envelopes', envelopes }
      }
      default:
        throw new MemoryDecodeError(`unknown sync message type ${type}`)
    }
  })
}
