/**
 * Wire form of an envelope, hand-encoded with lib0 (Yjs's own encoding: varints and
 * length-prefixed bytes; pure, no generated code). The encoding is canonical — deps
 * sorted by stream key, no zero or duplicate entries — and the decoder refuses any
 * other form, so decode∘encode is the identity and an envelope id (sha256 of the
 * encoding) is the same on every node.
 *
 *   u8 version | str namespace | str org | str peerId | uint epoch | uint clientId
 *   | uint seq | uint nDeps, nDeps × (str peerId, uint epoch, uint seq) | uint atMs
 *   | bytes update | bytes signature
 *
 * The signature covers SIGNING_DOMAIN ‖ everything before it: the domain keeps a
 * memory signature from ever passing as a route signature by the same key.
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Signer, Verifier } from '../../kernel/index.ts'
import { ENVELOPE_VERSION } from '../envelope.ts'
import type { Envelope, UnsignedEnvelope } from '../envelope.ts'
import { MemoryDecodeError } from '../errors.ts'
import { DEFAULT_MEMORY_LIMITS } from '../limits.ts'
import type { MemoryLimits } from '../limits.ts'
import { writeVectorClock, readVectorClock } from './vector-clock-codec.ts'
import { NAMESPACE_RE, ORG_RE, PEER_ID_RE, decodeGuarded, readBytes, readString, readUint } from './safe-decoding.ts'

const SIGNING_DOMAIN = new TextEncoder().encode('atp-memory-envelope/1\n')
const MAX_SIGNATURE_BYTES = 128
const MAX_CLIENT_ID = 0xFFFFFFFF

function writeBody (enc: encoding.Encoder, e: UnsignedEnvelope): void {
  encoding.writeUint8(enc, ENVELOPE_VERSION)
  encoding.writeVarString(enc, e.namespace)
  encoding.writeVarString(enc, e.org)
  encoding.writeVarString(enc, e.peerId)
  encoding.writeVarUint(enc, e.epoch)
  encoding.writeVarUint(enc, e.clientId)
  encoding.writeVarUint(enc, e.seq)
  writeVectorClock(enc, e.deps)
  encoding.writeVarUint(enc, e.atMs)
  encoding.writeVarUint8Array(enc, e.update)
}

/** The bytes a writer signs: domain tag plus the canonical body. */
export function envelopeSigningBytes (e: UnsignedEnvelope): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeUint8Array(enc, SIGNING_DOMAIN)
  writeBody(enc, e)
  return encoding.toUint8Array(enc)
}

export function encodeEnvelope (e: Envelope): Uint8Array {
  const enc = encoding.createEncoder()
  writeBody(enc, e)
  encoding.writeVarUint8Array(enc, e.signature)
  return encoding.toUint8Array(enc)
}

export function readEnvelope (d: decoding.Decoder, limits: MemoryLimits): Envelope {
  const version = readUint(d, 'version', 255)
  if (version !== ENVELOPE_VERSION) throw new MemoryDecodeError(`envelope version ${version} unsupported (want ${ENVELOPE_VERSION})`)
  const namespace = readString(d, 'namespace', 64, NAMESPACE_RE)
  const org = readString(d, 'org', 32, ORG_RE)
  const peerId = readString(d, 'peerId', 128, PEER_ID_RE)
  const epoch = readUint(d, 'epoch')
  const clientId = readUint(d, 'clientId', MAX_CLIENT_ID)
  const seq = readUint(d, 'seq')
  if (seq < 1) throw new MemoryDecodeError('seq must be ≥ 1')
  const deps = readVectorClock(d, 'deps', limits.maxDeps)
  const atMs = readUint(d, 'atMs')
  const update = readBytes(d, 'update', limits.maxUpdateBytes)
  const signature = readBytes(d, 'signature', MAX_SIGNATURE_BYTES)
  return { namespace, org, peerId, epoch, clientId, seq, deps, atMs, update, signature }
}

/** Decodes one envelope; throws MemoryDecodeError (and nothing else) on bad bytes. */
export function decodeEnvelope (bytes: Uint8Array, limits: MemoryLimits = DEFAULT_MEMORY_LIMITS): Envelope {
  return decodeGuarded('envelope', bytes, limits.maxEnvelopeBytes, (d) => readEnvelope(d, limits))
}

export function signEnvelope (e: UnsignedEnvelope, signer: Signer): Envelope {
  return { ...e, signature: signer.sign(envelopeSigningBytes(e)) }
}

export function verifyEnvelope (e: Envelope, verifier: Verifier): boolean {
  try {
    return verifier.verify(e.peerId, envelopeSigningBytes(e), e.signature)
  } catch {
    return false
  }
}

/** Content address of an envelope: sha256 (hex) of its canonical encoding, signature included. */
export function envelopeId (e: Envelope): string {
  return bytesToHex(sha256(encodeEnvelope(e)))
}
