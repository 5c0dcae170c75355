/**
 * Envelope signatures amortized over a batch (docs/memory.md, "Batch signatures"): a
 * writer signs the Merkle root of the envelopes it seals before one flush, each
 * envelope carries its audit path, and a member checks the root's signature once per
 * batch (a bounded cache of verified roots) and a few hashes per envelope. Whatever
 * the form, an envelope a member accepts holds exactly the bytes its writer signed.
 * The tree, the signed bytes and the cache are the route batches' (kernel/).
 */
import {
  type Hasher, leafHash, merkleBatchSignedBytes, merkleRootIfPaths, merkleTree, rootFromPath, sameBytes, type Signer, type VerifiedRootCache, type Verifier
} from '../../kernel/index.ts'
import { BATCHED_ENVELOPE_VERSION } from '../envelope.ts'
import type { Envelope, UnsignedEnvelope } from '../envelope.ts'
import { envelopeLeafHash, envelopeSigningBytes, signedBytesOf, signEnvelope } from './envelope-codec.ts'

/**
 * Most envelopes one signature covers. Each carries ⌈log2 n⌉ × 32 bytes of path and
 * costs that many hashes at every member, while the signature check is shared by n: at
 * 64 an envelope carries 192 B and a member spends 1/64 of an ed25519 verification on
 * it, about what its hashes cost (the routes' choice, for the same reason).
 */
export const ENVELOPE_BATCH_SIZE = 64

/**
 * The domain of a batch root's signature. It differs from a single envelope's
 * ("atp-memory-envelope/1\n") and from both route domains, so no signature of one kind
 * passes for another.
 */
const MEMORY_BATCH_DOMAIN = new TextEncoder().encode('atp-memory-batch/1\n')

export function envelopeBatchSignedBytes (peerId: string, size: number, root: Uint8Array): Uint8Array {
  return merkleBatchSignedBytes(MEMORY_BATCH_DOMAIN, peerId, size, root)
}

/**
 * Signs envelopes of one writer in order, one signature per batch of up to
 * `batchSize`. A batch of one is signed alone (version 1, no proof), exactly as
 * signEnvelope signs it.
 */
export function signEnvelopeBatch (envelopes: readonly UnsignedEnvelope[], signer: Signer, hasher: Hasher, batchSize = ENVELOPE_BATCH_SIZE): Envelope[] {
  const out: Envelope[] = []
  for (let lo = 0; lo < envelopes.length; lo += batchSize) {
    const chunk = envelopes.slice(lo, lo + batchSize)
    if (chunk.length === 1) { out.push(signEnvelope(chunk[0] as UnsignedEnvelope, signer)); continue }
    const tree = merkleTree(hasher, chunk.map((e) => leafHash(hasher, envelopeSigningBytes(e, BATCHED_ENVELOPE_VERSION))))
    const signature = signer.sign(envelopeBatchSignedBytes(signer.peerId, chunk.length, tree.root))
    chunk.forEach((e, index) => { out.push({ ...e, signature, batch: { index, size: chunk.length, path: tree.paths[index] as Uint8Array } }) })
  }
  return out
}

export interface EnvelopeSignatureCheck {
  readonly verifier: Verifier
  readonly hasher: Hasher
  readonly roots: VerifiedRootCache
}

/**
 * True when e's bytes are what e.peerId signed, alone or as a member of a batch.
 * Never throws: a verifier that throws counts as a failed signature.
 */
export function checkEnvelopeSignature (e: Envelope, check: EnvelopeSignatureCheck): boolean {
  const batch = e.batch
  if (batch === undefined) return verifies(check.verifier, e.peerId, signedBytesOf(e), e.signature)
  const root = rootFromPath(check.hasher, envelopeLeafHash(check.hasher, e), batch.index, batch.size, batch.path)
  if (root === undefined) return false
  if (check.roots.has(e.peerId, batch.size, root, e.signature)) return true
  if (!verifies(check.verifier, e.peerId, envelopeBatchSignedBytes(e.peerId, batch.size, root), e.signature)) return false
  check.roots.add(e.peerId, batch.size, root, e.signature)
  return true
}

/**
 * The members of `envelopes` whose signature holds because their whole batch is among
 * them: a run of the batch's indices in order, or every index exactly once among the
 * envelopes outside such runs; one signature, one signer. Such a batch
 * costs one leaf hash per member plus the tree's n − 1 node hashes, instead of a full
 * audit path per member; each member's path must still equal the one the tree gives
 * (its bytes are part of what is stored and relayed). Members of batches that are not
 * complete here, or that fail, are left to checkEnvelopeSignature one by one.
 */
export function verifyCompleteBatches (envelopes: readonly Envelope[], check: EnvelopeSignatureCheck): Set<Envelope> {
  const verified = new Set<Envelope>()
  // A batch mostly arrives whole and in order (sealed together, packed in seq order):
  // such a run is one batch as it stands. The rest is grouped by signer, size and
  // signature below.
  const rest: Envelope[] = []
  for (let i = 0; i < envelopes.length;) {
    const run = inOrderBatch(envelopes, i)
    if (run === undefined) { rest.push(envelopes[i] as Envelope); i++; continue }
    if (verifyWhole(run, check)) for (const e of run) verified.add(e)
    i += run.length
  }
  const groups = new Map<string, Envelope[]>()
  for (const e of rest) {
    const sig = e.signature
    if (e.batch === undefined || sig.length < 6) continue
    // Six signature bytes tell batches apart; completeBatch compares them all.
    const key = `${e.peerId} ${e.batch.size} ${sig[0]! | sig[1]! << 8 | sig[2]! << 16} ${sig[3]! | sig[4]! << 8 | sig[5]! << 16}`
    let group = groups.get(key)
    if (group === undefined) { group = []; groups.set(key, group) }
    group.push(e)
  }
  for (const group of groups.values()) {
    const members = completeBatch(group)
    if (members !== undefined && verifyWhole(members, check)) for (const e of members) verified.add(e)
  }
  return verified
}

/** The envelopes from `at` when they are indices 0…size − 1 of one batch, in order, with one signer and one signature; else undefined. */
function inOrderBatch (envelopes: readonly Envelope[], at: number): Envelope[] | undefined {
  const first = envelopes[at] as Envelope
  const size = first.batch?.index === 0 ? first.batch.size : 0
  if (size < 2 || at + size > envelopes.length) return undefined
  for (let k = 1; k < size; k++) {
    const e = envelopes[at + k] as Envelope
    if (e.batch?.index !== k || e.batch.size !== size || e.peerId !== first.peerId || !sameBytes(e.signature, first.signature)) return undefined
  }
  return envelopes.slice(at, at + size)
}

/** The group by index when it is one batch, complete, with one signature; else undefined. */
function completeBatch (group: readonly Envelope[]): Envelope[] | undefined {
  const first = group[0] as Envelope
  const size = first.batch?.size ?? 0
  if (group.length !== size) return undefined
  const byIndex: Array<Envelope | undefined> = new Array<Envelope | undefined>(size).fill(undefined)
  for (const e of group) {
    const i = e.batch?.index ?? -1
    if (byIndex[i] !== undefined || !sameBytes(e.signature, first.signature)) return undefined
    byIndex[i] = e
  }
  return byIndex as Envelope[]
}

function verifyWhole (members: readonly Envelope[], check: EnvelopeSignatureCheck): boolean {
  const first = members[0] as Envelope
  const leaves: Uint8Array[] = []
  const paths: Uint8Array[] = []
  for (const e of members) {
    const path = e.batch?.path
    if (path === undefined) return false
    leaves.push(envelopeLeafHash(check.hasher, e))
    paths.push(path)
  }
  // Every member's path must be the tree's: its bytes are stored and relayed with it.
  const root = merkleRootIfPaths(check.hasher, leaves, paths)
  if (root === undefined) return false
  const size = members.length
  if (check.roots.has(first.peerId, size, root, first.signature)) return true
  if (!verifies(check.verifier, first.peerId, envelopeBatchSignedBytes(first.peerId, size, root), first.signature)) return false
  check.roots.add(first.peerId, size, root, first.signature)
  return true
}

function verifies (verifier: Verifier, peerId: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifier.verify(peerId, data, signature)
  } catch {
    return false
  }
}
