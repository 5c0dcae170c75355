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
import {
  AtpError, leafHash, merkleBatchSignedBytes, rootFromPath, type Hasher, type Verifier, type VerifiedNodeCache, type VerifiedRootCache
} from '../../kernel/index.ts'
import type { Route } from './route.ts'

// The shared primitives (kernel/batch-signature.ts) stay part of agp's surface.
export { defaultHasher, VerifiedNodeCache, VerifiedRootCache } from '../../kernel/index.ts'

/**
 * Prefix of the bytes a batch signature covers. Its first byte 0x00 is a protobuf tag
 * of field 0, which no RouteAttributes encoding can start with (canonical attrs start
 * with field 1, the capability): a batch signature can never pass for a single
 * route's signature, nor the reverse.
 */
const BATCH_DOMAIN = Uint8Array.from([0x00, ...new TextEncoder().encode('agp-batch-v1')])

/** The largest batch a receiver accepts (one UPDATE holds at most 4096 announces). */
export const MAX_BATCH_SIZE = 4096

/** What the origin signs for a batch: domain ‖ len(peer id) ‖ peer id ‖ size (uint32 BE) ‖ root. */
export function batchSignedBytes (originPeerId: string, size: number, root: Uint8Array): Uint8Array {
  return merkleBatchSignedBytes(BATCH_DOMAIN, originPeerId, size, root)
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

export interface OriginCheck {
  readonly verifier: Verifier
  readonly hasher: Hasher
  readonly roots: VerifiedRootCache
  /**
   * Nodes of verified batch trees: a later member of a cached batch is checked in about
   * two hashes. Without it every member climbs its whole audit path.
   */
  readonly nodes?: VerifiedNodeCache
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
  const leaf = leafHash(check.hasher, route.attrsBytes)
  if (check.nodes?.verifiedRoot(check.hasher, peerId, batch.size, route.signature, leaf, batch.index, batch.path) !== undefined) return undefined
  const root = rootFromPath(check.hasher, leaf, batch.index, batch.size, batch.path)
  if (root === undefined) return new RouteSignatureError('bad-batch-root', `audit path does not fit leaf ${batch.index} of ${batch.size}`)
  if (check.roots.has(peerId, batch.size, root, route.signature)) {
    check.nodes?.add(check.hasher, peerId, batch.size, route.signature, root, leaf, batch.index, batch.path)
    return undefined
  }
  if (!verifies(check.verifier, peerId, batchSignedBytes(peerId, batch.size, root), route.signature)) {
    return new RouteSignatureError('bad-batch-root', `leaf ${batch.index} of ${batch.size} leads to a root ${peerId} did not sign`)
  }
  check.roots.add(peerId, batch.size, root, route.signature)
  check.nodes?.add(check.hasher, peerId, batch.size, route.signature, root, leaf, batch.index, batch.path)
  return undefined
}

function verifies (verifier: Verifier, peerId: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifier.verify(peerId, data, signature)
  } catch {
    return false
  }
}
