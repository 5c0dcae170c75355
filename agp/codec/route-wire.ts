/**
 * Route ⇄ WireRoute message. The signed attributes travel as the origin's bytes,
 * verbatim; only the unsigned path attributes are (re)written hop by hop.
 */
import type { agp } from '../proto/gen/agp.js'
import { MAX_BATCH_SIZE } from '../route/batch-signature.ts'
import type { BatchProof, Route } from '../route/route.ts'
import { decodeRouteAttributes, encodeRouteAttributes } from './attrs-codec.ts'
import { ByteSlab } from './byte-slab.ts'
import { routeLists, routeStrings } from './interner.ts'
import { updateError, UpdateSubcode } from './errors.ts'
import {
  auditPathLength, HASH_BYTES, MAX_ORG_ID_LENGTH, MAX_PEER_ID_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, ORG_ID_PATTERN, sameBytes, TAG_PATTERN
} from '../../kernel/index.ts'
import { MAX_ATTRS_BYTES, MAX_PATH_ENTRIES, SIGNATURE_BYTES } from './limits.ts'
import { checkBytes, checkString, checkStringList, fail, sameList, sameString, type ErrorFactory } from './validate.ts'

// A peer id, or '' before a reflector sets it.
const ORIGINATOR_PATTERN = /^[A-Za-z0-9._-]{0,128}$/

const routeError: ErrorFactory = (m) => updateError(`route: ${m}`, UpdateSubcode.MalformedRoute)

export function toWireRoute (route: Route): agp.WireRoute.$Properties {
  return {
    // attrsBytes is what the origin signed. A route built in memory without it (tests,
    // fixtures) gets the canonical encoding; a relayed route is never re-encoded.
    attrs: route.attrsBytes.length > 0 ? route.attrsBytes : encodeRouteAttributes(route.attrs),
    signature: route.signature,
    orgPath: [...route.orgPath],
    originatorId: route.originatorId,
    clusterList: [...route.clusterList],
    pathTags: [...route.pathTags],
    sitePath: [...route.sitePath],
    ...(route.batch !== undefined ? { batch: { index: route.batch.index, size: route.batch.size, path: route.batch.path } } : {})
  }
}

/**
 * Validates the decoded announces of one UPDATE and builds their Routes; throws
 * FrameDecodeError. Their bytes are copied into shared slabs (byte-slab.ts), and a
 * route whose signature is the same as the route's before it (the routes of one origin
 * batch travel together, under one signature) shares that route's signature object.
 */
export function fromWireRoutes (msgs: readonly agp.WireRoute.$Properties[], err: ErrorFactory = routeError): Route[] {
  const slab = new ByteSlab(wireBytes(msgs))
  const routes: Route[] = []
  let previous: Route | undefined
  for (const msg of msgs) {
    previous = fromWireRoute(msg, err, slab, previous)
    routes.push(previous)
  }
  return routes
}

/** What fromWireRoutes copies: attrs, audit paths and each run of one signature once. */
function wireBytes (msgs: readonly agp.WireRoute.$Properties[]): number {
  let total = 0
  let signature: Uint8Array | undefined
  for (const m of msgs) {
    total += lengthOf(m.attrs) + lengthOf(m.batch?.path)
    const next = m.signature instanceof Uint8Array ? m.signature : undefined
    if (next !== undefined && !(signature !== undefined && sameBytes(signature, next))) total += next.length
    signature = next
  }
  return total
}

function lengthOf (v: unknown): number {
  return v instanceof Uint8Array ? v.length : 0
}

/**
 * Validates a decoded WireRoute and builds the Route; throws FrameDecodeError. Its
 * bytes are copies (never views into the frame, which must not be kept alive), in
 * `slab`; its signature is `previous`'s object when the bytes are the same, and so is
 * every string, list and value equal to `previous`'s (checkRouteAttributes' `like`).
 */
export function fromWireRoute (msg: agp.WireRoute.$Properties, err: ErrorFactory = routeError,
  slab = new ByteSlab(lengthOf(msg.attrs) + lengthOf(msg.signature) + lengthOf(msg.batch?.path)), previous?: Route): Route {
  const attrsBytes = slab.copy(checkBytes(msg.attrs ?? new Uint8Array(), 'attrs', MAX_ATTRS_BYTES, err))
  const decoded = decodeRouteAttributes(attrsBytes, previous?.attrs)
  if (!decoded.ok) throw decoded.error
  const wireSignature = checkBytes(msg.signature ?? new Uint8Array(), 'signature', SIGNATURE_BYTES, err)
  if (wireSignature.length !== SIGNATURE_BYTES) fail(err, `signature is ${wireSignature.length} bytes, expected ${SIGNATURE_BYTES}`)
  const signature = previous !== undefined && sameBytes(previous.signature, wireSignature) ? previous.signature : slab.copy(wireSignature)
  const orgPath = sameList(msg.orgPath ?? [], previous?.orgPath) ??
    routeLists.intern(checkStringList(msg.orgPath ?? [], 'orgPath', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err), routeStrings)
  if (orgPath.length === 0) fail(err, 'orgPath is empty (it ends with the origin org)')
  const batch = msg.batch === undefined || msg.batch === null ? undefined : fromWireBatch(msg.batch, err, slab)
  return {
    attrs: decoded.value,
    attrsBytes,
    signature,
    ...(batch !== undefined ? { batch } : {}),
    orgPath,
    // The path attributes are the interned copies (interner.ts): a few lists serve most
    // routes. One equal to the previous route's passed the same check: that copy is taken.
    sitePath: sameList(msg.sitePath ?? [], previous?.sitePath) ??
      routeLists.intern(checkStringList(msg.sitePath ?? [], 'sitePath', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err), routeStrings),
    originatorId: sameString(msg.originatorId ?? '', previous?.originatorId) ??
      routeStrings.intern(checkString(msg.originatorId ?? '', 'originatorId', ORIGINATOR_PATTERN, MAX_PEER_ID_LENGTH, err)),
    clusterList: sameList(msg.clusterList ?? [], previous?.clusterList) ??
      routeLists.intern(checkStringList(msg.clusterList ?? [], 'clusterList', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err), routeStrings),
    pathTags: sameList(msg.pathTags ?? [], previous?.pathTags) ??
      routeLists.intern(checkStringList(msg.pathTags ?? [], 'pathTags', TAG_PATTERN, MAX_TAG_LENGTH, MAX_TAGS, err), routeStrings)
  }
}

/**
 * A batch proof's shape is checked here, with the wire's rule, so a malformed one is a
 * decode error (UpdateMessageError 3/11) like a signature of the wrong length: size
 * 2…MAX_BATCH_SIZE (one form: a batch of one has no proof), index below size, and
 * exactly the audit path length that position has. Whether it leads to a signed root
 * is the speaker's check.
 */
function fromWireBatch (msg: agp.BatchProof.$Properties, err: ErrorFactory, slab: ByteSlab): BatchProof {
  const index = msg.index ?? 0
  const size = msg.size ?? 0
  if (!(size >= 2 && size <= MAX_BATCH_SIZE)) fail(err, `batch size ${size} is outside 2…${MAX_BATCH_SIZE}`)
  if (!(index < size)) fail(err, `batch index ${index} is not below its size ${size}`)
  const expected = auditPathLength(index, size) * HASH_BYTES
  const path = checkBytes(msg.path ?? new Uint8Array(), 'batch path', expected, err)
  if (path.length !== expected) fail(err, `batch path is ${path.length} bytes, leaf ${index} of ${size} needs ${expected}`)
  return { index, size, path: slab.copy(path) }
}

