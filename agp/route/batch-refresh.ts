/**
 * Batch refresh (docs/protocol.md, "Batch refresh"): an origin keeps its routes fresh
 * by re-asserting the batches it signed instead of advertising every route again.
 *
 * Re-advertising costs every hop a decode, an import, an export and an encode per
 * route per `refreshS`: at a million routes and refreshS 60 that is 16,700 routes a
 * second at every hop, more than a hop can take, so tables went stale while they were
 * still arriving. A refresh is one signature per batch — "what I signed with S is still
 * current at T" — and a hop that holds routes carrying S from that origin moves their
 * freshness stamp to T. Signed attributes never change, so nothing is re-encoded,
 * re-verified per route or re-sent.
 *
 * Binding: a route is refreshed only when it carries the very signature bytes S and
 * names the refresh's signer as its origin; the routes were checked against S when
 * they came in, so T applies to exactly what the origin signed with S. The agent ids
 * are a hint for finding them, not signed: a hop trims them per neighbor to what it
 * advertised there, and a false id can only name a route that does not match.
 */
import { sameBytes, type Signer, type Verifier } from '../../kernel/index.ts'
import type { Route } from './route.ts'

export interface BatchRefresh {
  readonly originPeerId: string
  /** The origin org of the routes named: with agentIds, their path ids. */
  readonly originOrg: string
  /** The signature the refreshed routes carry (a batch's, or one route's). */
  readonly batchSignature: Uint8Array
  readonly refreshedAtMs: number
  /** The origin's ed25519 over refreshSignedBytes(originPeerId, batchSignature, refreshedAtMs). */
  readonly signature: Uint8Array
  /** The routes this refresh is sent for, by agent id (not signed). */
  readonly agentIds: readonly string[]
}

/**
 * Prefix of the bytes a refresh signature covers. Its first byte 0x00 is a protobuf tag
 * of field 0, which no RouteAttributes encoding starts with, and the name differs from
 * the batch domain's: a refresh signature never passes for a route's or a batch's.
 */
const REFRESH_DOMAIN = Uint8Array.from([0x00, ...new TextEncoder().encode('agp-refresh-v1')])
const encoder = new TextEncoder()

/** domain ‖ len(peer id) (1 byte) ‖ peer id ‖ batch signature (64 bytes) ‖ refreshedAtMs (uint64 BE). */
export function refreshSignedBytes (originPeerId: string, batchSignature: Uint8Array, refreshedAtMs: number): Uint8Array {
  const id = encoder.encode(originPeerId)
  if (id.length > 255) throw new RangeError(`peer id of ${id.length} bytes (at most 255)`)
  const out = new Uint8Array(REFRESH_DOMAIN.length + 1 + id.length + batchSignature.length + 8)
  let at = 0
  out.set(REFRESH_DOMAIN, at); at += REFRESH_DOMAIN.length
  out[at++] = id.length
  out.set(id, at); at += id.length
  out.set(batchSignature, at); at += batchSignature.length
  const view = new DataView(out.buffer)
  // A safe integer (< 2^53) split into two 32-bit halves.
  view.setUint32(at, Math.floor(refreshedAtMs / 2 ** 32)); at += 4
  view.setUint32(at, refreshedAtMs >>> 0)
  return out
}

/** The origin's refresh of the routes it signed with `batchSignature`. */
export function signBatchRefresh (signer: Signer, originOrg: string, batchSignature: Uint8Array, agentIds: readonly string[], nowMs: number): BatchRefresh {
  return {
    originPeerId: signer.peerId,
    originOrg,
    batchSignature,
    refreshedAtMs: nowMs,
    signature: signer.sign(refreshSignedBytes(signer.peerId, batchSignature, nowMs)),
    agentIds
  }
}

/** True when the refresh's signer signed it. A verifier that throws counts as false. */
export function verifyBatchRefresh (refresh: BatchRefresh, verifier: Verifier): boolean {
  try {
    return verifier.verify(refresh.originPeerId, refreshSignedBytes(refresh.originPeerId, refresh.batchSignature, refresh.refreshedAtMs), refresh.signature)
  } catch {
    return false
  }
}

/** Does the refresh cover this route: the same origin key and the very signature bytes? */
export function refreshCovers (refresh: BatchRefresh, route: Route): boolean {
  return route.attrs.originPeerId === refresh.originPeerId && sameBytes(route.signature, refresh.batchSignature)
}

/**
 * Map key of (origin peer id, signature bytes): what one refresh names. The signature as
 * a latin-1 string (one char per byte) is cheap to build and compare.
 */
export function refreshKey (originPeerId: string, signature: Uint8Array): string {
  return originPeerId + '\n' + String.fromCharCode.apply(null, signature as unknown as number[])
}

/**
 * A route's freshness stamp: when its origin last vouched for its signed bytes — the
 * latest batch refresh that covered it, else the origination itself.
 */
export function stampOf (route: Route): number {
  const at = route.refreshedAtMs
  return at !== undefined && at > route.attrs.originatedAtMs ? at : route.attrs.originatedAtMs
}

/**
 * True when `b` is `a` restamped (or `a` itself): the same objects in every field, the
 * freshness stamp aside. What is advertised of it is unchanged, so export has nothing
 * to send (the neighbors get the refresh itself).
 */
export function sameButStamp (a: Route, b: Route): boolean {
  return a === b || (a.attrs === b.attrs && a.attrsBytes === b.attrsBytes && a.signature === b.signature && a.batch === b.batch &&
    a.orgPath === b.orgPath && a.sitePath === b.sitePath && a.originatorId === b.originatorId && a.clusterList === b.clusterList &&
    a.pathTags === b.pathTags)
}

/**
 * When the route's advertised evidence counts as measured: the origin measured it at
 * winRate.measuredAtMs and re-asserted the same attributes at every refresh since, so
 * the evidence is as current as the stamp says (a route advertised again would carry
 * measuredAtMs = its new originatedAtMs: the same age).
 */
export function evidenceMeasuredAtMs (route: Route): number {
  const moved = stampOf(route) - route.attrs.originatedAtMs
  return route.attrs.winRate.measuredAtMs + moved
}

