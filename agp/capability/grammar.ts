/**
 * Capability names and identifiers.
 *
 * A capability is a hierarchical name, like an IP prefix read left to right:
 * `code-review/python/security`. Segments are lowercase `[a-z0-9-]+` joined by `/`.
 * Prefixes are segment-wise: `code-review` is a prefix of `code-review/python` but not
 * of `code-reviewer`. The bounds keep tries shallow and frames small.
 */
import { InvalidCapabilityError } from '../errors.ts'

export const MAX_CAPABILITY_LENGTH = 128
export const MAX_CAPABILITY_DEPTH = 8
export const MAX_SEGMENT_LENGTH = 32

const SEGMENT = /^[a-z0-9-]+$/
const ORG_ID = /^[a-z0-9-]{1,32}$/
const AGENT_ID = /^[a-z0-9-]{1,64}$/

/** Why `s` is not a capability, or undefined when it is one. */
export function capabilityProblem (s: unknown): string | undefined {
  if (typeof s !== 'string') return 'a capability must be a string'
  if (s.length === 0) return 'a capability must not be empty'
  if (s.length > MAX_CAPABILITY_LENGTH) return `capability is ${s.length} chars long, max ${MAX_CAPABILITY_LENGTH}`
  const segments = s.split('/')
  if (segments.length > MAX_CAPABILITY_DEPTH) return `capability has ${segments.length} segments, max ${MAX_CAPABILITY_DEPTH}`
  for (const [i, seg] of segments.entries()) {
    if (seg.length === 0) return `capability segment ${i + 1} is empty`
    if (seg.length > MAX_SEGMENT_LENGTH) return `capability segment ${i + 1} is ${seg.length} chars long, max ${MAX_SEGMENT_LENGTH}`
    if (!SEGMENT.test(seg)) return `capability segment ${i + 1} ${JSON.stringify(seg)} has characters outside [a-z0-9-]`
  }
  return undefined
}

export function isCapability (s: unknown): s is string {
  return capabilityProblem(s) === undefined
}

/** Throws InvalidCapabilityError naming the problem (quoted input truncated for logs). */
export function assertCapability (s: unknown): asserts s is string {
  const problem = capabilityProblem(s)
  if (problem !== undefined) {
    const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 64)) : typeof s
    throw new InvalidCapabilityError(`invalid capability ${shown}: ${problem}`)
  }
}

export function capabilitySegments (c: string): string[] {
  return c.split('/')
}

/**
 * Segment-wise prefix: true when `capability` equals `prefix` or continues it with
 * `/`. The empty prefix is a prefix of everything (the root).
 */
export function isPrefixOf (prefix: string, capability: string): boolean {
  if (prefix === '') return true
  if (!capability.startsWith(prefix)) return false
  return capability.length === prefix.length || capability.charCodeAt(prefix.length) === 0x2f /* '/' */
}

/** RFC 4684's idea: a neighbor wants a route when one of its interests is a prefix of it. Empty = everything. */
export function matchesInterests (capability: string, interests: readonly string[]): boolean {
  if (interests.length === 0) return true
  for (const interest of interests) {
    if (isPrefixOf(interest, capability)) return true
  }
  return false
}

/** Organization ids (and reflector cluster ids): `[a-z0-9-]{1,32}`. */
export function isOrgId (s: unknown): s is string {
  return typeof s === 'string' && ORG_ID.test(s)
}

/** Cluster ids follow the org id grammar. */
export const isClusterId = isOrgId

/** Agent ids: `[a-z0-9-]{1,64}`. */
export function isAgentId (s: unknown): s is string {
  return typeof s === 'string' && AGENT_ID.test(s)
}

/** Generic identifier check used for org/agent-like names: `[a-z0-9-]{1,maxLength}`. */
export function isIdentifier (s: unknown, maxLength = 32): s is string {
  return typeof s === 'string' && s.length >= 1 && s.length <= maxLength && SEGMENT.test(s)
}
