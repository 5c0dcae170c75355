/**
 * Origin signatures, amortized over a batch (docs/protocol.md, "Batch signatures").
 *
 * A route either carries a signature over its own attrs (a batch of one: the form
 * every AGP speaker understands), or a signature over the Merkle root of its origin's
 * batch plus its audit path (route.batch). Verifying a batched route recomputes the
 * root from attrs and the path (a few hashes) and checks the root's signature once per
 * (origin, size, root): later routes of the batch hit the bounded cache of verified
 * roots. Whatever the form, the attrs a node accepts are exactly what their origin
 * signed.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { AtpError, type Hasher, type Verifier } from '../../kernel/index.ts'
import { sameBytes } from '../rib/adj-rib-out.ts'
import { HASH_BYTES, leafHash, rootFromPath } from './batch-tree.ts'
import type { Route } from './route.ts'

/**
 * Prefix of the bytes a batch signature covers. Its first byte 0x00 is a protobuf tag
 * of field 0, which no RouteAttributes encoding can start with (canonical attrs start
 * with field 1, the capability): a batch signature can never pass for a single
 * route's signature, nor the reverse.
 */
const BATCH_DOMAIN = Uint8Array.from([0x00, ...new TextEncoder().encode('agp-batch-v1')])
const encoder = new TextEncoder()

/** The largest batch a receiver accepts (one UPDATE holds at most 4096 announces). */
export const MAX_BATCH_SIZE = 4096

/** Pure-JS SHA-256 for nodes whose driver brings no faster one (simulator, tests). */
export const defaultHasher: Hasher = { sha256: (data) => sha256(data) }

/** What the origin signs for a batch: domain ‖ len(peer id) ‖ peer id ‖ size (uint32 BE) ‖ root. */
export function batchSignedBytes (originPeerId: string, size: number, root: Uint8Array): Uint8Array {
  const id = encoder.encode(originPeerId)
  const out = new Uint8Array(BATCH_DOMAIN.length + 1 + id.length + 4 + root.length)
  let at = 0
  out.set(BATCH_DOMAIN, at); at += BATCH_DOMAIN.length
  out[at++] = id.length
  out.set(id, at); at += id.length
  new DataView(out.buffer).setUint32(at, size >>> 0); at += 4
  out.set(root, at)
  return out
}

/** Why an origin signature check failed: a stable `reason` for counters and tests. */
export type RouteSignatureFailure =
  /** A batch of one whose signature does not verify over its attrs. */
  | 'bad-signature'
  /**
   * The root rebuilt from attrs, index, size and path is not one its origin signed:
   * a changed attribute, a proof from another position or another batch, or a
   * signature of another batch or origin.
   */
  | 'bad-batch-root'

export class RouteSignatureError extends AtpError {
  readonly reason: RouteSignatureFailure
  constructor (reason: RouteSignatureFailure, message: string) {
    super('ERR_ROUTE_SIGNATURE', message)
    this.reason = reason
  }
}

/**
 * Batch roots whose signature verified, per (origin, size, root), with that signature.
 * Bounded: past `maxEntries` the oldest entry goes, and a route of a forgotten batch
 * costs one more signature check, never a wrong answer. Only verified roots enter, and
 * a hit needs the very signature that verified, so a route whose signature bytes were
 * altered is refused even while its root is cached.
 */
export class VerifiedRootCache {
  private readonly entries = new Map<string, { readonly root: Uint8Array, readonly signature: Uint8Array }>()
  /** Roots added (each after one signature check that passed) since creation. */
  added = 0
  constructor (readonly maxEntries = 16_384) {}

  get size (): number { return this.entries.size }

  has (originPeerId: string, size: number, root: Uint8Array, signature: Uint8Array): boolean {
    const hit = this.entries.get(rootKey(originPeerId, size, root))
    return hit !== undefined && sameBytes(hit.root, root) && sameBytes(hit.signature, signature)
  }

  add (originPeerId: string, size: number, root: Uint8Array, signature: Uint8Array): void {
    const key = rootKey(originPeerId, size, root)
    this.added++
    this.entries.delete(key)
    this.entries.set(key, { root, signature })
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
  }
}

export interface OriginCheck {
  readonly verifier: Verifier
  readonly hasher: Hasher
  readonly roots: VerifiedRootCache
}

/**
 * Checks that route.attrsBytes are what attrs.originPeerId signed; undefined when they
 * are. Never throws: a verifier that throws counts as a failed signature.
 */
export function checkOriginSignature (route: Route, check: OriginCheck): RouteSignatureError | undefined {
  const peerId = route.attrs.originPeerId
  const batch = route.batch
  if (batch === undefined) {
    return verifies(check.verifier, peerId, route.attrsBytes, route.signature)
      ? undefined
      : new RouteSignatureError('bad-signature', `the signature of ${peerId} does not verify over the route's attrs`)
  }
  const root = rootFromPath(check.hasher, leafHash(check.hasher, route.attrsBytes), batch.index, batch.size, batch.path)
  if (root === undefined) return new RouteSignatureError('bad-batch-root', `audit path does not fit leaf ${batch.index} of ${batch.size}`)
  if (check.roots.has(peerId, batch.size, root, route.signature)) return undefined
  if (!verifies(check.verifier, peerId, batchSignedBytes(peerId, batch.size, root), route.signature)) {
    return new RouteSignatureError('bad-batch-root', `leaf ${batch.index} of ${batch.size} leads to a root ${peerId} did not sign`)
  }
  check.roots.add(peerId, batch.size, root, route.signature)
  return undefined
}

function verifies (verifier: Verifier, peerId: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifier.verify(peerId, data, signature)
  } catch {
    return false
  }
}

function rootKey (originPeerId: string, size: number, root: Uint8Array): string {
  // The first 12 bytes of a SHA-256 digest tell batches apart; has() compares all 32.
  const v = new DataView(root.buffer, root.byteOffset, HASH_BYTES)
  return `${originPeerId} ${size} ${v.getUint32(0)} ${v.getUint32(4)} ${v.getUint32(8)}`
}
