/**
 * A Route's WireRoute encoding written straight from the route into an array the
 * caller provides: the bytes agp.WireRoute.encode(toWireRoute(route)).finish() gives (a
 * property test holds them equal), without the plain message object, its copied lists,
 * protobufjs' writer operations and an array per route in between. A reflector encodes
 * every route it exports this way (wire-route-cache.ts: into one scratch array, then
 * into its slab). Into an array of its own per route it is no faster than protobufjs.
 *
 * Field order and presence as protobufjs writes proto3 (agp/proto/agp.proto, WireRoute):
 * attrs = 1, signature = 2, org_path = 3…, originator_id = 4, cluster_list = 5…,
 * path_tags = 6…, site_path = 7…, batch = 8 { index = 1, size = 2, path = 3 }; empty
 * bytes and strings and zero numbers are left out, a batch is written whenever present.
 */
import $protobuf from 'protobufjs/minimal.js'
import type { Route } from '../route/route.ts'
import { encodeRouteAttributes } from './attrs-codec.ts'

const { utf8 } = $protobuf.util

const ATTRS = (1 << 3) | 2
const SIGNATURE = (2 << 3) | 2
const ORG_PATH = (3 << 3) | 2
const ORIGINATOR_ID = (4 << 3) | 2
const CLUSTER_LIST = (5 << 3) | 2
const PATH_TAGS = (6 << 3) | 2
const SITE_PATH = (7 << 3) | 2
const BATCH = (8 << 3) | 2
const BATCH_INDEX = (1 << 3) | 0
const BATCH_SIZE = (2 << 3) | 0
const BATCH_PATH = (3 << 3) | 2

/**
 * The encoding written into the array `alloc(length)` returns, at its start (a scratch
 * buffer the caller copies from, a slab): what it returns is `length` bytes long.
 */
export function encodeWireRouteWith (route: Route, alloc: (length: number) => Uint8Array): Uint8Array {
  // A route built in memory without its signed bytes (tests, fixtures) gets the canonical encoding, as toWireRoute does.
  const attrs = route.attrsBytes.length > 0 ? route.attrsBytes : encodeRouteAttributes(route.attrs)
  const batch = route.batch
  const batchBody = batch === undefined
    ? 0
    : (batch.index !== 0 ? 1 + varintBytes(batch.index) : 0) + (batch.size !== 0 ? 1 + varintBytes(batch.size) : 0) + delimited(batch.path.length)
  let total = delimited(attrs.length) + delimited(route.signature.length) +
    strings(route.orgPath) + (route.originatorId !== '' ? 1 + stringField(route.originatorId) : 0) +
    strings(route.clusterList) + strings(route.pathTags) + strings(route.sitePath)
  if (batch !== undefined) total += 1 + varintBytes(batchBody) + batchBody
  const out = alloc(total)
  let at = bytesField(out, 0, ATTRS, attrs)
  at = bytesField(out, at, SIGNATURE, route.signature)
  at = stringList(out, at, ORG_PATH, route.orgPath)
  if (route.originatorId !== '') at = stringValue(out, at, ORIGINATOR_ID, route.originatorId)
  at = stringList(out, at, CLUSTER_LIST, route.clusterList)
  at = stringList(out, at, PATH_TAGS, route.pathTags)
  at = stringList(out, at, SITE_PATH, route.sitePath)
  if (batch !== undefined) {
    out[at++] = BATCH
    at = writeVarint(out, at, batchBody)
    if (batch.index !== 0) { out[at++] = BATCH_INDEX; at = writeVarint(out, at, batch.index) }
    if (batch.size !== 0) { out[at++] = BATCH_SIZE; at = writeVarint(out, at, batch.size) }
    at = bytesField(out, at, BATCH_PATH, batch.path)
  }
  return out.length === total ? out : out.subarray(0, total)
}

/** Bytes of a length-delimited field holding `n` bytes (tag included); 0 when it is left out (empty). */
function delimited (n: number): number {
  return n === 0 ? 0 : 1 + varintBytes(n) + n
}

function stringField (s: string): number {
  const n = utf8.length(s)
  return varintBytes(n) + n
}

function strings (list: readonly string[]): number {
  let n = 0
  // Every entry is written, empty ones included (a repeated field has no default to leave out).
  for (const s of list) n += 1 + stringField(s)
  return n
}

function bytesField (out: Uint8Array, at: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at
  out[at++] = tag
  at = writeVarint(out, at, bytes.length)
  out.set(bytes, at)
  return at + bytes.length
}

function stringValue (out: Uint8Array, at: number, tag: number, s: string): number {
  out[at++] = tag
  at = writeVarint(out, at, utf8.length(s))
  return at + utf8.write(s, out, at)
}

function stringList (out: Uint8Array, at: number, tag: number, list: readonly string[]): number {
  for (const s of list) at = stringValue(out, at, tag, s)
  return at
}

/** Bytes of `n` as a protobuf varint (n a non-negative safe integer). */
export function varintBytes (n: number): number {
  let bytes = 1
  while (n >= 0x80) { n = Math.floor(n / 0x80); bytes++ }
  return bytes
}

/** Writes `n` as a protobuf varint at `at`; returns the position after it. */
export function writeVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[at++] = n
  return at
}
