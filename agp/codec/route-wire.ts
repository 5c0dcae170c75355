/**
 * Route ⇄ WireRoute message. The signed attributes travel as the origin's bytes,
 * verbatim; only the unsigned path attributes are (re)written hop by hop.
 */
import type { agp } from '../proto/gen/agp.js'
import type { Route } from '../route/route.ts'
import { decodeRouteAttributes, encodeRouteAttributes } from './attrs-codec.ts'
import { updateError, UpdateSubcode } from './errors.ts'
import {
  MAX_ORG_ID_LENGTH, MAX_PEER_ID_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, ORG_ID_PATTERN, TAG_PATTERN
} from '../../kernel/index.ts'
import { MAX_ATTRS_BYTES, MAX_PATH_ENTRIES, SIGNATURE_BYTES } from './limits.ts'
import { checkString, checkStringList, fail, ownBytes, type ErrorFactory } from './validate.ts'

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
    sitePath: [...route.sitePath]
  }
}

/** Validates a decoded WireRoute and builds the Route; throws FrameDecodeError. */
export function fromWireRoute (msg: agp.WireRoute.$Properties, err: ErrorFactory = routeError): Route {
  const attrsBytes = ownBytes(msg.attrs ?? new Uint8Array(), 'attrs', MAX_ATTRS_BYTES, err)
  const decoded = decodeRouteAttributes(attrsBytes)
  if (!decoded.ok) throw decoded.error
  const signature = ownBytes(msg.signature ?? new Uint8Array(), 'signature', SIGNATURE_BYTES, err)
  if (signature.length !== SIGNATURE_BYTES) fail(err, `signature is ${signature.length} bytes, expected ${SIGNATURE_BYTES}`)
  const orgPath = checkStringList(msg.orgPath ?? [], 'orgPath', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err)
  if (orgPath.length === 0) fail(err, 'orgPath is empty (it ends with the origin org)')
  return {
    attrs: decoded.value,
    attrsBytes,
    signature,
    orgPath,
    sitePath: checkStringList(msg.sitePath ?? [], 'sitePath', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err),
    originatorId: checkString(msg.originatorId ?? '', 'originatorId', ORIGINATOR_PATTERN, MAX_PEER_ID_LENGTH, err),
    clusterList: checkStringList(msg.clusterList ?? [], 'clusterList', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, MAX_PATH_ENTRIES, err),
    pathTags: checkStringList(msg.pathTags ?? [], 'pathTags', TAG_PATTERN, MAX_TAG_LENGTH, MAX_TAGS, err)
  }
}

