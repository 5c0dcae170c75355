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
 *   [version 2, a batch member: | uint index | uint size | bytes path]
 *
 * A single envelope's signature covers SIGNING_DOMAIN ‖ everything before it: the
 * domain keeps a memory signature from ever passing as a route signature by the same
 * key. A batch member's signature covers its batch's root (envelope-batch.ts).
 *
 * Because decode∘encode is the identity, a decoded envelope keeps the bytes it came
 * from: encoding it again, hashing it for its id and rebuilding its signed bytes reuse
 * them instead of re-encoding (ingest does all three for every envelope).
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { bytesToHex } from '@noble/hashes/utils.js'
import { auditPathLength, defaultHasher, HASH_BYTES } from '../../kernel/index.ts'
import type { Hasher, Signer, Verifier } from '../../kernel/index.ts'
import { BATCHED_ENVELOPE_VERSION, ENVELOPE_VERSION } from '../envelope.ts'
import type { Envelope, EnvelopeBatchProof, UnsignedEnvelope } from '../envelope.ts'
import { MemoryDecodeError } from '../errors.ts'
import type { VectorClock } from '../vector-clock.ts'
import { DEFAULT_MEMORY_LIMITS } from '../limits.ts'
import type { MemoryLimits } from '../limits.ts'
import { writeVectorClock, readVectorClock } from './vector-clock-codec.ts'
import { NAMESPACE_RE, ORG_RE, PEER_ID_RE, StringMemo, decodeGuarded, readBytes, readBytesView, readUint } from './safe-decoding.ts'

const SIGNING_DOMAIN = new TextEncoder().encode('atp-memory-envelope/1\n')
/** RFC 6962's leaf prefix (kernel/merkle-tree.ts). */
const LEAF_PREFIX = 0x00
const MAX_KEPT_SCRATCH_BYTES = 16 * 1024
let leafScratch = new Uint8Array(1024)
const MAX_SIGNATURE_BYTES = 128
const MAX_CLIENT_ID = 0xFFFFFFFF
/** The largest batch a member accepts. */
export const MAX_ENVELOPE_BATCH = 4096

/** An envelope's canonical encoding, where its body ends (the signature follows), and its id once computed. */
interface Wire { readonly bytes: Uint8Array, readonly bodyEnd: number, id: string | undefined }

/**
 * A decoded envelope: the fields of Envelope plus, in a private field, the bytes it was
 * decoded from. A private field costs what a property costs, where a WeakMap entry per
 * envelope costs an ephemeron the collector must trace (ingest decodes every envelope
 * a member receives). It is invisible to spreading, so `{ ...e, signature }` is a new
 * envelope without the old bytes, and to equality checks, so a decoded envelope
 * equals the object it was encoded from.
 */
class DecodedEnvelope implements Envelope {
  readonly #wire: Wire
  declare readonly batch?: EnvelopeBatchProof
  constructor (
    readonly namespace: string, readonly org: string, readonly peerId: string, readonly epoch: number, readonly clientId: number,
    readonly seq: number, readonly deps: VectorClock, readonly atMs: number, readonly update: Uint8Array, readonly signature: Uint8Array,
    batch: EnvelopeBatchProof | undefined, wire: Wire
  ) {
    if (batch !== undefined) this.batch = batch
    this.#wire = wire
  }

  static wireOf (e: Envelope): Wire | undefined { return #wire in e ? (e as DecodedEnvelope).#wire : undefined }
}

/** Wires of envelopes built in this process (a writer's own): few, so a WeakMap is fine. */
const wires = new WeakMap<Envelope, Wire>()
const namespaces = new StringMemo(NAMESPACE_RE)
const orgs = new StringMemo(ORG_RE)
const peerIds = new StringMemo(PEER_ID_RE)

function knownWire (e: Envelope): Wire {
  return DecodedEnvelope.wireOf(e) ?? wires.get(e) ?? wireOf(e)
}

function writeBody (enc: encoding.Encoder, e: UnsignedEnvelope, version: number): void {
  encoding.writeUint8(enc, version)
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

/**
 * The bytes a writer signs (alone) or hashes into a batch leaf (`version` 2): domain
 * tag plus the canonical body.
 */
export function envelopeSigningBytes (e: UnsignedEnvelope, version = ENVELOPE_VERSION): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeUint8Array(enc, SIGNING_DOMAIN)
  writeBody(enc, e, version)
  return encoding.toUint8Array(enc)
}

/** envelopeSigningBytes of an envelope as it travels (its own version), from its bytes when known. */
export function signedBytesOf (e: Envelope): Uint8Array {
  const [domain, body] = signedPartsOf(e)
  const out = new Uint8Array(domain.length + body.length)
  out.set(domain, 0)
  out.set(body, domain.length)
  return out
}

/**
 * The batch leaf hash of an envelope as it travels: SHA-256(0x00 ‖ signing bytes), as
 * kernel's leafHash(hasher, ...signedPartsOf(e)) computes it, but assembled in one
 * reused buffer instead of a fresh one per envelope (hashers keep no input).
 */
export function envelopeLeafHash (hasher: Hasher, e: Envelope): Uint8Array {
  const wire = knownWire(e)
  const length = 1 + SIGNING_DOMAIN.length + wire.bodyEnd
  if (leafScratch.length < length) leafScratch = new Uint8Array(Math.max(length, 2 * leafScratch.length))
  leafScratch[0] = LEAF_PREFIX
  leafScratch.set(SIGNING_DOMAIN, 1)
  leafScratch.set(wire.bytes.subarray(0, wire.bodyEnd), 1 + SIGNING_DOMAIN.length)
  const digest = hasher.sha256(leafScratch.subarray(0, length))
  // A large envelope must not keep a large scratch buffer alive.
  if (leafScratch.length > MAX_KEPT_SCRATCH_BYTES) leafScratch = new Uint8Array(MAX_KEPT_SCRATCH_BYTES)
  return digest
}

/** signedBytesOf in two parts (domain, body view), for a hash that takes parts without joining them first. */
export function signedPartsOf (e: Envelope): [Uint8Array, Uint8Array] {
  const wire = knownWire(e)
  return [SIGNING_DOMAIN, wire.bytes.subarray(0, wire.bodyEnd)]
}

function wireOf (e: Envelope): Wire {
  const enc = encoding.createEncoder()
  writeBody(enc, e, e.batch === undefined ? ENVELOPE_VERSION : BATCHED_ENVELOPE_VERSION)
  const bodyEnd = encoding.length(enc)
  encoding.writeVarUint8Array(enc, e.signature)
  if (e.batch !== undefined) {
    encoding.writeVarUint(enc, e.batch.index)
    encoding.writeVarUint(enc, e.batch.size)
    encoding.writeVarUint8Array(enc, e.batch.path)
  }
  const wire = { bytes: encoding.toUint8Array(enc), bodyEnd, id: undefined }
  wires.set(e, wire)
  return wire
}

export function encodeEnvelope (e: Envelope): Uint8Array {
  return knownWire(e).bytes
}

/**
 * Reads one envelope. `owned`: the decoder's buffer belongs to this envelope alone and
 * nobody writes to it again (a sync message's copy of it), so the byte fields and the
 * kept encoding are views into it instead of copies.
 */
export function readEnvelope (d: decoding.Decoder, limits: MemoryLimits, owned = false): Envelope {
  const start = d.pos
  const bytes = owned ? readBytesView : readBytes
  const version = readUint(d, 'version', 255)
  if (version !== ENVELOPE_VERSION && version !== BATCHED_ENVELOPE_VERSION) throw new MemoryDecodeError(`envelope version ${version} unsupported (want ${ENVELOPE_VERSION} or ${BATCHED_ENVELOPE_VERSION})`)
  const namespace = namespaces.read(d, 'namespace', 64)
  const org = orgs.read(d, 'org', 32)
  const peerId = peerIds.read(d, 'peerId', 128)
  const epoch = readUint(d, 'epoch')
  const clientId = readUint(d, 'clientId', MAX_CLIENT_ID)
  const seq = readUint(d, 'seq')
  if (seq < 1) throw new MemoryDecodeError('seq must be ≥ 1')
  const deps = readVectorClock(d, 'deps', limits.maxDeps)
  const atMs = readUint(d, 'atMs')
  const update = bytes(d, 'update', limits.maxUpdateBytes)
  const bodyEnd = d.pos - start
  const signature = bytes(d, 'signature', MAX_SIGNATURE_BYTES)
  const batch = version === BATCHED_ENVELOPE_VERSION ? readBatchProof(d, bytes) : undefined
  // Unless owned, a copy: the caller's buffer may be reused once decoding returns. An
  // owned buffer that is this envelope alone (a sync message's copy of it) is kept as is.
  const whole = start === 0 && d.pos === d.arr.length
  const wire: Wire = { bytes: owned ? (whole ? d.arr : d.arr.subarray(start, d.pos)) : d.arr.slice(start, d.pos), bodyEnd, id: undefined }
  return new DecodedEnvelope(namespace, org, peerId, epoch, clientId, seq, deps, atMs, update, signature, batch, wire)
}

/** One form only: a size of 2…MAX_ENVELOPE_BATCH, an index below it, a path of exactly that position's length. */
function readBatchProof (d: decoding.Decoder, bytes: typeof readBytes): EnvelopeBatchProof {
  const index = readUint(d, 'batch index')
  const size = readUint(d, 'batch size')
  if (size < 2 || size > MAX_ENVELOPE_BATCH) throw new MemoryDecodeError(`batch size ${size} outside 2…${MAX_ENVELOPE_BATCH}`)
  if (index >= size) throw new MemoryDecodeError(`batch index ${index} not below size ${size}`)
  const expected = auditPathLength(index, size) * HASH_BYTES
  const path = bytes(d, 'batch path', expected)
  if (path.length !== expected) throw new MemoryDecodeError(`batch path of ${path.length} bytes, leaf ${index} of ${size} needs ${expected}`)
  return { index, size, path }
}

/** Decodes one envelope; throws MemoryDecodeError (and nothing else) on bad bytes. */
export function decodeEnvelope (bytes: Uint8Array, limits: MemoryLimits = DEFAULT_MEMORY_LIMITS): Envelope {
  return decodeGuarded('envelope', bytes, limits.maxEnvelopeBytes, (d) => readEnvelope(d, limits))
}

export function signEnvelope (e: UnsignedEnvelope, signer: Signer): Envelope {
  return { ...e, signature: signer.sign(envelopeSigningBytes(e)) }
}

/** Checks a single (unbatched) envelope's signature; a batch member needs envelope-batch.ts. */
export function verifyEnvelope (e: Envelope, verifier: Verifier): boolean {
  if (e.batch !== undefined) return false
  try {
    return verifier.verify(e.peerId, signedBytesOf(e), e.signature)
  } catch {
    return false
  }
}

/** Content address of an envelope: sha256 (hex) of its canonical encoding, signature and proof included. */
export function envelopeId (e: Envelope, hasher: Hasher = defaultHasher): string {
  const wire = knownWire(e)
  wire.id ??= hasher.sha256Hex?.(wire.bytes) ?? bytesToHex(hasher.sha256(wire.bytes))
  return wire.id
}
