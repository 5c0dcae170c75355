/**
 * The origin-signed half of a route. encodeRouteAttributes is THE canonical encoding:
 * the bytes an origin signs and every node relays verbatim (Route.attrsBytes). It is
 * deterministic: proto3 field-number order, default values omitted, -0 written as 0,
 * lists in the order given.
 */
import {
  AGENT_ID_PATTERN, capabilityProblem, InvalidArgumentError, MAX_AGENT_ID_LENGTH, MAX_ORG_ID_LENGTH,
  MAX_PEER_ID_LENGTH, MAX_REGION_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, ORG_ID_PATTERN, PEER_ID_PATTERN, REGION_PATTERN,
  TAG_PATTERN, endpoint
} from '../../kernel/index.ts'
import { agp } from '../proto/gen/agp.js'
import type { RouteAttributes, WinRateEvidence } from '../route/route.ts'
import { FrameDecodeError, UpdateSubcode, updateError, type DecodeResult } from './errors.ts'
import { routeLatencies, routeLists, routeStrings, routeWinRates } from './interner.ts'
import { MAX_ATTRS_BYTES } from './limits.ts'
import { checkNonNegative, checkSafeUint, checkString, checkStringList, fail, sameList, sameString, type ErrorFactory } from './validate.ts'

const attrsError: ErrorFactory = (m) => updateError(`route attributes: ${m}`, UpdateSubcode.MalformedAttributeList)

/**
 * Validates decoded (or to-be-encoded) attributes, returning a clean plain copy; throws
 * FrameDecodeError. The values many routes repeat (capability, org, site, peer id,
 * region, tags, latency, win rate) are the interned copies (interner.ts); agent id and endpoint, which
 * routes do not share, are not.
 *
 * `like`: attributes checked just before (the previous route of the same UPDATE). A
 * value equal to like's passed the same check then, so like's copy is taken as it is:
 * the routes of one origin batch repeat their org, peer id, region and mostly their
 * capability, and this skips their patterns and interner lookups.
 */
export function checkRouteAttributes (a: {
  capability?: unknown, originOrg?: unknown, originSite?: unknown, agentId?: unknown, originPeerId?: unknown, endpoint?: unknown,
  costUsd?: unknown, latencyMs?: unknown, winRate?: unknown, region?: unknown, tags?: unknown,
  originSeq?: unknown, originatedAtMs?: unknown
}, err: ErrorFactory = attrsError, like?: RouteAttributes): RouteAttributes {
  const capability = sameString(a.capability, like?.capability) ?? checkedCapability(a.capability, err)
  const latency = (a.latencyMs ?? {}) as { p50?: unknown, p95?: unknown }
  const win = (a.winRate ?? {}) as { wins?: unknown, trials?: unknown, measuredAtMs?: unknown }
  const p50 = checkNonNegative(latency.p50 ?? 0, 'latencyMs.p50', err)
  const p95 = checkNonNegative(latency.p95 ?? 0, 'latencyMs.p95', err)
  if (p50 > p95) fail(err, `latencyMs.p50 (${p50}) exceeds p95 (${p95})`)
  const wins = checkNonNegative(win.wins ?? 0, 'winRate.wins', err)
  const trials = checkNonNegative(win.trials ?? 0, 'winRate.trials', err)
  if (wins > trials) fail(err, `winRate.wins (${wins}) exceeds trials (${trials})`)
  const originOrg = sameString(a.originOrg, like?.originOrg) ?? routeStrings.intern(checkString(a.originOrg, 'originOrg', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, err))
  // One form: the default site (the org id) is written as no site at all.
  const site = a.originSite === undefined || a.originSite === null || a.originSite === ''
    ? originOrg
    : sameString(a.originSite, like?.originSite) ?? routeStrings.intern(checkString(a.originSite, 'originSite', ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, err))
  const likeLatency = like?.latencyMs
  return {
    capability,
    originOrg,
    ...(site === originOrg ? {} : { originSite: site }),
    agentId: checkString(a.agentId, 'agentId', AGENT_ID_PATTERN, MAX_AGENT_ID_LENGTH, err),
    originPeerId: sameString(a.originPeerId, like?.originPeerId) ??
      routeStrings.intern(checkString(a.originPeerId, 'originPeerId', PEER_ID_PATTERN, MAX_PEER_ID_LENGTH, err)),
    endpoint: checkString(a.endpoint, 'endpoint', endpoint.pattern, endpoint.maxLength, err),
    costUsd: checkNonNegative(a.costUsd, 'costUsd', err),
    latencyMs: likeLatency !== undefined && likeLatency.p50 === p50 && likeLatency.p95 === p95
      ? likeLatency
      : routeLatencies.intern(`${p50}/${p95}`, { p50, p95 }),
    winRate: winRateOf(wins, trials, checkSafeUint(win.measuredAtMs ?? 0, 'winRate.measuredAtMs', err), like?.winRate),
    region: sameString(a.region, like?.region) ?? routeStrings.intern(checkString(a.region, 'region', REGION_PATTERN, MAX_REGION_LENGTH, err)),
    tags: sameList(a.tags, like?.tags) ?? routeLists.intern(checkStringList(a.tags, 'tags', TAG_PATTERN, MAX_TAG_LENGTH, MAX_TAGS, err), routeStrings),
    originSeq: checkSafeUint(a.originSeq, 'originSeq', err),
    originatedAtMs: checkSafeUint(a.originatedAtMs, 'originatedAtMs', err)
  }
}

function checkedCapability (v: unknown, err: ErrorFactory): string {
  const problem = capabilityProblem(v)
  if (problem !== undefined) fail(err, problem)
  return routeStrings.intern(v as string)
}

function winRateOf (wins: number, trials: number, measuredAtMs: number, like: WinRateEvidence | undefined): WinRateEvidence {
  if (like !== undefined && like.wins === wins && like.trials === trials && like.measuredAtMs === measuredAtMs) return like
  return routeWinRates.intern(`${wins}/${trials}/${measuredAtMs}`, { wins, trials, measuredAtMs })
}

/** The canonical bytes an origin signs. Throws InvalidArgumentError for attributes no receiver would accept. */
export function encodeRouteAttributes (attrs: RouteAttributes): Uint8Array {
  let a: RouteAttributes
  try {
    a = checkRouteAttributes(attrs)
  } catch (e) {
    if (e instanceof FrameDecodeError) throw new InvalidArgumentError(e.message)
    throw e
  }
  const bytes = agp.RouteAttributes.encode({
    capability: a.capability,
    originOrg: a.originOrg,
    agentId: a.agentId,
    originPeerId: a.originPeerId,
    endpoint: a.endpoint,
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials, measuredAtMs: a.winRate.measuredAtMs },
    region: a.region,
    tags: [...a.tags],
    originSeq: a.originSeq,
    originatedAtMs: a.originatedAtMs,
    originSite: a.originSite ?? ''
  }).finish()
  if (bytes.length > MAX_ATTRS_BYTES) throw new InvalidArgumentError(`route attributes encode to ${bytes.length} bytes, max ${MAX_ATTRS_BYTES}`)
  // A plain Uint8Array that owns its memory (protobufjs may hand out a pooled Buffer slice).
  return new Uint8Array(bytes)
}

/** `like`: as for checkRouteAttributes (the attributes of the route decoded just before). */
export function decodeRouteAttributes (bytes: Uint8Array, like?: RouteAttributes): DecodeResult<RouteAttributes> {
  try {
    if (!(bytes instanceof Uint8Array)) return { ok: false, error: attrsError('not bytes') }
    if (bytes.length > MAX_ATTRS_BYTES) return { ok: false, error: attrsError(`${bytes.length} bytes, max ${MAX_ATTRS_BYTES}`) }
    const msg = agp.RouteAttributes.decode(bytes)
    return { ok: true, value: checkRouteAttributes(msg, attrsError, like) }
  } catch (e) {
    if (e instanceof FrameDecodeError) return { ok: false, error: e }
    return { ok: false, error: updateError(`route attributes do not parse: ${errorText(e)}`, UpdateSubcode.MalformedAttributeList, e) }
  }
}

export function errorText (e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
