/**
 * A replica's compacted state, as stored by the daemon (level) and read back at start:
 *   u8 version | str namespace | bytes docState (Y.encodeStateAsUpdate)
 *   | uint nMetas, metas | uint nHistory, (str key, str valueJSON, u8 deleted, str envelopeId)
 * meta = str id | str org | str peerId | uint epoch | uint clientId | uint seq | deps
 *        | uint atMs | bytes signature | u8 signatureValid | uint from | uint to
 * Local bytes, but decoded with the same bounded readers: a corrupt store gives a
 * MemoryDecodeError, never a crash deep in Yjs.
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MemoryDecodeError } from '../errors.ts'
import type { EnvelopeMeta, HistoryRecord } from '../provenance-index.ts'
import { readVectorClock, writeVectorClock } from './vector-clock-codec.ts'
import { NAMESPACE_RE, ORG_RE, PEER_ID_RE, decodeGuarded, readBound, readBytes, readString, readUint } from './safe-decoding.ts'

const CHECKPOINT_VERSION = 1
const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024
const ID_RE = /^[0-9a-f]{64}$/

export interface Checkpoint {
  readonly namespace: string
  readonly docState: Uint8Array
  readonly metas: readonly EnvelopeMeta[]
  readonly history: readonly HistoryRecord[]
}

export function encodeCheckpoint (c: Checkpoint): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeUint8(enc, CHECKPOINT_VERSION)
  encoding.writeVarString(enc, c.namespace)
  encoding.writeVarUint8Array(enc, c.docState)
  encoding.writeVarUint(enc, c.metas.length)
  for (const m of c.metas) {
    encoding.writeVarString(enc, m.id)
    encoding.writeVarString(enc, m.org)
    encoding.writeVarString(enc, m.peerId)
    encoding.writeVarUint(enc, m.epoch)
    encoding.writeVarUint(enc, m.clientId)
    encoding.writeVarUint(enc, m.seq)
    writeVectorClock(enc, m.deps)
    encoding.writeVarUint(enc, m.atMs)
    encoding.writeVarUint8Array(enc, m.signature)
    encoding.writeUint8(enc, m.signatureValid ? 1 : 0)
    encoding.writeVarUint(enc, m.from)
    encoding.writeVarUint(enc, m.to)
  }
  encoding.writeVarUint(enc, c.history.length)
  for (const h of c.history) {
    encoding.writeVarString(enc, h.key)
    encoding.writeVarString(enc, JSON.stringify(h.value ?? null))
    encoding.writeUint8(enc, h.deleted ? 1 : 0)
    encoding.writeVarString(enc, h.envelopeId)
  }
  return encoding.toUint8Array(enc)
}

function readMeta (d: decoding.Decoder): EnvelopeMeta {
  const id = readString(d, 'meta id', 64, ID_RE)
  const org = readString(d, 'meta org', 32, ORG_RE)
  const peerId = readString(d, 'meta peerId', 128, PEER_ID_RE)
  const epoch = readUint(d, 'meta epoch')
  const clientId = readUint(d, 'meta clientId', 0xFFFFFFFF)
  const seq = readUint(d, 'meta seq')
  const deps = readVectorClock(d, 'meta deps', 65_536)
  const atMs = readUint(d, 'meta atMs')
  const signature = readBytes(d, 'meta signature', 128)
  const signatureValid = readUint(d, 'meta signatureValid', 1) === 1
  const from = readUint(d, 'meta from')
  const to = readUint(d, 'meta to')
  if (to < from) throw new MemoryDecodeError(`meta ${id}: clock run ${from}..${to} is inverted`)
  return { id, org, peerId, epoch, clientId, seq, deps, atMs, signature, signatureValid, from, to }
}

export function decodeCheckpoint (bytes: Uint8Array): Checkpoint {
  return decodeGuarded('checkpoint', bytes, MAX_CHECKPOINT_BYTES, (d) => {
    const version = readUint(d, 'version', 255)
    if (version !== CHECKPOINT_VERSION) throw new MemoryDecodeError(`checkpoint version ${version} unsupported`)
    const namespace = readString(d, 'namespace', 64, NAMESPACE_RE)
    const docState = readBytes(d, 'doc state', MAX_CHECKPOINT_BYTES)
    const nMetas = readBound(d, 'meta count', 100_000_000)
    const metas: EnvelopeMeta[] = []
    for (let i = 0; i < nMetas; i++) metas.push(readMeta(d))
    const nHistory = readBound(d, 'history count', 100_000_000)
    const history: HistoryRecord[] = []
    for (let i = 0; i < nHistory; i++) {
      const key = readString(d, 'history key', 4096)
      let value: unknown
      try { value = JSON.parse(readString(d, 'history value', 1024 * 1024)) } catch (err) { throw new MemoryDecodeError('history value is not JSON', { cause: err }) }
      const deleted = readUint(d, 'history deleted', 1) === 1
      history.push({ key, value, deleted, envelopeId: readString(d, 'history envelope id', 64, ID_RE) })
    }
    return { namespace, docState, metas, history }
  })
}
