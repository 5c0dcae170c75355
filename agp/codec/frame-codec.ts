/**
 * Frame ⇄ bytes for `/agp/1.0.0` (agp/proto/agp.proto). decodeFrame validates
 * everything a neighbor can send and never throws, whatever the bytes: a bad frame is
 * a FrameDecodeError carrying the NOTIFICATION code/subcode to answer with.
 * Limits: agp/codec/limits.ts, documented in docs/protocol.md.
 */
import {
  AGENT_ID_PATTERN, capabilityProblem, FEATURE_PATTERN, InvalidArgumentError, MAX_AGENT_ID_LENGTH, MAX_FEATURE_LENGTH,
  MAX_ORG_ID_LENGTH, ORG_ID_PATTERN
} from '../../kernel/index.ts'
import { agp } from '../proto/gen/agp.js'
import type { Route, WithdrawnPath } from '../route/route.ts'
import {
  AGP_VERSION, MAX_FRAME_BYTES, OpenSubcode,
  type Frame, type NotificationCode, type OpenFrame, type RouteRefreshFrame, type SpeakerRole, type UpdateFrame
} from './frame.ts'
import { errorText } from './attrs-codec.ts'
import { FrameDecodeError, HeaderSubcode, UpdateSubcode, headerError, openError, updateError, type DecodeResult } from './errors.ts'
import {
  MAX_ANNOUNCES_PER_UPDATE, MAX_HOLD_TIME_S, MAX_INTERESTS, MAX_NOTIFICATION_TEXT,
  MAX_OPEN_CAPABILITIES, MAX_REFRESHES_PER_UPDATE, MAX_WITHDRAWS_PER_UPDATE
} from './limits.ts'
import { fromWireRefresh, toWireRefresh } from './refresh-wire.ts'
import { fromWireRoutes, toWireRoute } from './route-wire.ts'
import { scanUpdateEnvelope, type UpdateEnvelope } from './update-envelope.ts'
import { checkString, checkStringList, fail, type ErrorFactory } from './validate.ts'
import type { WireRouteCache } from './wire-route-cache.ts'
import { varintBytes, writeVarint } from './wire-route-encoder.ts'

export { encodeRouteAttributes, decodeRouteAttributes } from './attrs-codec.ts'
export { FrameDecodeError, type DecodeResult } from './errors.ts'

const ROLE_PEER = 1
const ROLE_REFLECTOR = 2
// A cluster id, or '' for a peer (a reflector must name one).
const CLUSTER_PATTERN = /^[a-z0-9-]{0,32}$/
const ANY_TEXT = /^[\s\S]*$/

/**
 * Encodes one frame (no length prefix). Throws InvalidArgumentError past MAX_FRAME_BYTES.
 * With `routes`, an UPDATE is assembled from the cached encodings of its announces (the
 * same bytes: a route sent to several neighbors is encoded once).
 */
export function encodeFrame (frame: Frame, routes?: WireRouteCache): Uint8Array {
  const bytes = frame.type === 'update' && routes !== undefined
    ? encodeUpdate(frame, routes)
    : agp.Frame.encode({ version: AGP_VERSION, ...toBody(frame) }).finish()
  if (bytes.length > MAX_FRAME_BYTES) {
    throw new InvalidArgumentError(`${frame.type} frame is ${bytes.length} bytes, max ${MAX_FRAME_BYTES}: split it`)
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

// Tags of agp.proto (field number << 3 | wire type): Frame.version = 1 (varint),
// Frame.update = 4, Update.announces = 1 (length-delimited). Written in agp.Frame.encode's
// order, so the bytes are the same (a property test holds them equal).
const FRAME_VERSION_TAG = (1 << 3) | 0
const FRAME_UPDATE_TAG = (4 << 3) | 2
const UPDATE_ANNOUNCE_TAG = (1 << 3) | 2

/** Frame { version, update { announces…, withdraws… } } in one allocation; the announces are copied in. */
function encodeUpdate (frame: UpdateFrame, routes: WireRouteCache): Uint8Array {
  const announces = frame.announces.map((r) => routes.bytesOf(r))
  // Update.withdraws (field 2) and refreshes (field 3) follow the announces: their
  // encoding alone is that tail.
  const refreshes = frame.refreshes ?? []
  const withdraws = frame.withdraws.length > 0 || refreshes.length > 0
    ? agp.Update.encode({ withdraws: frame.withdraws.map((w) => ({ ...w })), refreshes: refreshes.map(toWireRefresh) }).finish()
    : undefined
  let body = withdraws?.length ?? 0
  for (const b of announces) body += 1 + varintBytes(b.length) + b.length
  const out = new Uint8Array(2 + varintBytes(AGP_VERSION) + varintBytes(body) + body)
  let at = 0
  out[at++] = FRAME_VERSION_TAG
  at = writeVarint(out, at, AGP_VERSION)
  out[at++] = FRAME_UPDATE_TAG
  at = writeVarint(out, at, body)
  for (const b of announces) {
    out[at++] = UPDATE_ANNOUNCE_TAG
    at = writeVarint(out, at, b.length)
    out.set(b, at)
    at += b.length
  }
  if (withdraws !== undefined) out.set(withdraws, at)
  return out
}

function toBody (frame: Frame): Omit<agp.Frame.$Properties, 'version'> {
  switch (frame.type) {
    case 'open':
      return {
        open: {
          org: frame.org,
          site: frame.site === frame.org ? '' : frame.site,
          role: frame.role === 'reflector' ? ROLE_REFLECTOR : ROLE_PEER,
          cluster: frame.cluster,
          holdTimeS: frame.holdTimeS,
          capabilities: [...frame.capabilities],
          interests: [...frame.interests]
        }
      }
    case 'keepalive': return { keepalive: {} }
    case 'end-of-rib': return { endOfRib: {} }
    case 'update':
      return {
        update: {
          announces: frame.announces.map(toWireRoute),
          withdraws: frame.withdraws.map((w) => ({ ...w })),
          refreshes: (frame.refreshes ?? []).map(toWireRefresh)
        }
      }
    case 'route-refresh':
      return { routeRefresh: { hasInterests: frame.interests !== undefined, interests: [...(frame.interests ?? [])] } }
    case 'notification':
      return { notification: { code: frame.code, subcode: frame.subcode, text: frame.text } }
  }
}

/**
 * Receives each announce of a decoded UPDATE with the WireRoute bytes it was decoded
 * from: decodeRoute(wire) gives the same route back. The bytes are a copy of the frame's
 * (one per frame, shared by its announces), never the caller's buffer.
 */
export type AnnounceBytesSink = (route: Route, wire: Uint8Array) => void

/**
 * Decodes and validates one frame. Never throws. With `onAnnounce`, a valid UPDATE hands
 * it each announce's bytes (a frame laid out as senders write it; otherwise none).
 */
export function decodeFrame (bytes: Uint8Array, onAnnounce?: AnnounceBytesSink): DecodeResult<Frame> {
  try {
    if (!(bytes instanceof Uint8Array)) return { ok: false, error: headerError('frame is not bytes') }
    if (bytes.length > MAX_FRAME_BYTES) {
      return { ok: false, error: headerError(`frame is ${bytes.length} bytes, max ${MAX_FRAME_BYTES}`, HeaderSubcode.BadMessageLength) }
    }
    const envelope = scanUpdateEnvelope(bytes)
    if (envelope !== undefined) return decodeScannedUpdate(bytes, envelope, onAnnounce)
    let msg: agp.Frame
    try {
      msg = agp.Frame.decode(bytes)
    } catch (e) {
      return { ok: false, error: headerError(`frame does not parse: ${errorText(e)}`, HeaderSubcode.BadMessage, e) }
    }
    if (msg.version !== AGP_VERSION) return { ok: false, error: unsupportedVersion(msg.version) }
    return { ok: true, value: fromBody(msg) }
  } catch (e) {
    if (e instanceof FrameDecodeError) return { ok: false, error: e }
    // A bug in a validator must still not crash a daemon: report it as a bad frame.
    return { ok: false, error: headerError(`frame rejected: ${errorText(e)}`, HeaderSubcode.BadMessage, e) }
  }
}

function unsupportedVersion (version: number): FrameDecodeError {
  return headerError(`unsupported version ${version}, expected ${AGP_VERSION}`, HeaderSubcode.UnsupportedVersion)
}

/**
 * An UPDATE whose envelope was scanned: each entry decoded from its own bytes, in the
 * generic path's order (parse everything, then the version, then the checks), so both
 * paths accept and refuse the same frames with the same errors.
 */
function decodeScannedUpdate (bytes: Uint8Array, envelope: UpdateEnvelope, onAnnounce: AnnounceBytesSink | undefined): DecodeResult<Frame> {
  let announces: agp.WireRoute[]
  let withdraws: agp.Withdraw[]
  let refreshes: agp.BatchRefresh[]
  try {
    announces = envelope.announces.map((b) => agp.WireRoute.decode(b))
    withdraws = envelope.withdraws.map((b) => agp.Withdraw.decode(b))
    refreshes = envelope.refreshes.map((b) => agp.BatchRefresh.decode(b))
  } catch (e) {
    return { ok: false, error: headerError(`frame does not parse: ${errorText(e)}`, HeaderSubcode.BadMessage, e) }
  }
  if (envelope.version !== AGP_VERSION) return { ok: false, error: unsupportedVersion(envelope.version) }
  const frame = decodeUpdate({ announces, withdraws, refreshes })
  if (onAnnounce !== undefined && frame.announces.length > 0) {
    // A copy: the caller's buffer may be reused once this returns.
    const own = new Uint8Array(bytes)
    frame.announces.forEach((route, i) => {
      const wire = envelope.announces[i] as Uint8Array
      const at = wire.byteOffset - bytes.byteOffset
      onAnnounce(route, own.subarray(at, at + wire.length))
    })
  }
  return { ok: true, value: frame }
}

// The generated decoder keeps the last body of a oneof seen on the wire (proto3
// semantics), so at most one is ever set; none set is a bad message type.
function fromBody (msg: agp.Frame): Frame {
  if (msg.open != null) return decodeOpen(msg.open)
  if (msg.keepalive != null) return { type: 'keepalive' }
  if (msg.update != null) return decodeUpdate(msg.update)
  if (msg.endOfRib != null) return { type: 'end-of-rib' }
  if (msg.routeRefresh != null) return decodeRouteRefresh(msg.routeRefresh)
  if (msg.notification != null) return decodeNotification(msg.notification)
  return fail((m) => headerError(m, HeaderSubcode.BadMessageType), 'frame has no body')
}

function decodeOpen (o: agp.Open.$Properties): OpenFrame {
  const err = (sub: number): ErrorFactory => (m) => openError(`OPEN: ${m}`, sub)
  const org = checkString(o.org ?? '', 'org', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, err(OpenSubcode.BadPeerOrg))
  const site = checkString(o.site ?? '', 'site', CLUSTER_PATTERN, MAX_ORG_ID_LENGTH, err(OpenSubcode.BadPeerOrg))
  const roleNum = o.role ?? 0
  if (roleNum !== ROLE_PEER && roleNum !== ROLE_REFLECTOR) fail(err(OpenSubcode.RoleMismatch), `unknown role ${String(roleNum)}`)
  const role: SpeakerRole = roleNum === ROLE_REFLECTOR ? 'reflector' : 'peer'
  const cluster = checkString(o.cluster ?? '', 'cluster', CLUSTER_PATTERN, MAX_ORG_ID_LENGTH, err(OpenSubcode.RoleMismatch))
  if (role === 'reflector' && cluster === '') fail(err(OpenSubcode.RoleMismatch), 'a reflector must name its cluster')
  const holdTimeS = o.holdTimeS ?? 0
  if (holdTimeS > MAX_HOLD_TIME_S) fail(err(OpenSubcode.UnacceptableHoldTime), `hold time ${holdTimeS} s, max ${MAX_HOLD_TIME_S}`)
  return {
    type: 'open',
    org,
    site: site === '' ? org : site,
    role,
    cluster,
    holdTimeS,
    capabilities: checkStringList(o.capabilities ?? [], 'capabilities', FEATURE_PATTERN, MAX_FEATURE_LENGTH, MAX_OPEN_CAPABILITIES, err(0)),
    interests: checkInterests(o.interests ?? [], err(0))
  }
}

function checkInterests (list: unknown, err: ErrorFactory): string[] {
  if (!Array.isArray(list)) return fail(err, 'interests is not a list')
  if (list.length > MAX_INTERESTS) fail(err, `${list.length} interests, max ${MAX_INTERESTS}`)
  return list.map((c: unknown, i) => {
    const problem = capabilityProblem(c)
    return problem === undefined ? c as string : fail(err, `interests[${i}]: ${problem}`)
  })
}

function decodeUpdate (u: agp.Update.$Properties): UpdateFrame {
  const announces = u.announces ?? []
  const withdraws = u.withdraws ?? []
  const refreshes = u.refreshes ?? []
  const tooMany: ErrorFactory = (m) => updateError(`UPDATE: ${m}`, UpdateSubcode.TooManyEntries)
  if (announces.length > MAX_ANNOUNCES_PER_UPDATE) fail(tooMany, `${announces.length} announces, max ${MAX_ANNOUNCES_PER_UPDATE}`)
  if (withdraws.length > MAX_WITHDRAWS_PER_UPDATE) fail(tooMany, `${withdraws.length} withdraws, max ${MAX_WITHDRAWS_PER_UPDATE}`)
  if (refreshes.length > MAX_REFRESHES_PER_UPDATE) fail(tooMany, `${refreshes.length} refreshes, max ${MAX_REFRESHES_PER_UPDATE}`)
  const badNlri: ErrorFactory = (m) => updateError(`UPDATE withdraw: ${m}`, UpdateSubcode.InvalidNetworkField)
  const badRefresh: ErrorFactory = (m) => updateError(`UPDATE refresh: ${m}`, UpdateSubcode.MalformedRoute)
  return {
    type: 'update',
    // One form: an UPDATE without refreshes has no refreshes field.
    ...(refreshes.length > 0 ? { refreshes: refreshes.map((r, i) => fromWireRefresh(r, i, badRefresh)) } : {}),
    announces: fromWireRoutes(announces),
    withdraws: withdraws.map((w, i): WithdrawnPath => {
      const problem = capabilityProblem(w.capability)
      if (problem !== undefined) fail(badNlri, `[${i}] ${problem}`)
      return {
        capability: w.capability as string,
        originOrg: checkString(w.originOrg ?? '', `[${i}].originOrg`, ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, badNlri),
        agentId: checkString(w.agentId ?? '', `[${i}].agentId`, AGENT_ID_PATTERN, MAX_AGENT_ID_LENGTH, badNlri)
      }
    })
  }
}

function decodeRouteRefresh (r: agp.RouteRefresh.$Properties): RouteRefreshFrame {
  const err: ErrorFactory = (m) => updateError(`ROUTE_REFRESH: ${m}`, UpdateSubcode.InvalidNetworkField)
  const interests = checkInterests(r.interests ?? [], err)
  if (r.hasInterests !== true) {
    if (interests.length > 0) fail(err, 'interests given without has_interests')
    return { type: 'route-refresh' }
  }
  return { type: 'route-refresh', interests }
}

function decodeNotification (n: agp.Notification.$Properties): Frame {
  const err: ErrorFactory = (m) => headerError(`NOTIFICATION: ${m}`, HeaderSubcode.BadMessage)
  const code = n.code ?? 0
  const subcode = n.subcode ?? 0
  if (code < 1 || code > 255) fail(err, `code ${code} out of range 1..255`)
  if (subcode > 255) fail(err, `subcode ${subcode} out of range 0..255`)
  const text = checkString(n.text ?? '', 'text', ANY_TEXT, MAX_NOTIFICATION_TEXT, err)
  return { type: 'notification', code: code as NotificationCode, subcode, text }
}
