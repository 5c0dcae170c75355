/**
 * Capability names: the rule (predicate, zod schema, JSON Schema) and prefix semantics.
 *
 * A capability is a hierarchical name, like an IP prefix read left to right:
 * `code-review/python/security`. Segments are lowercase `[a-z0-9-]+` joined by `/`.
 * Prefixes are segment-wise: `code-review` is a prefix of `code-review/python` but not
 * of `code-reviewer`. The bounds keep tries shallow and frames small.
 */
import { z } from 'zod'
import { InvalidCapabilityError } from '../errors.ts'
import { jsonSchemaOf } from './id-rule.ts'

export const MAX_CAPABILITY_LENGTH = 128
export const MAX_CAPABILITY_DEPTH = 8
export const MAX_SEGMENT_LENGTH = 32

const SEGMENT = /^[a-z0-9-]+$/

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
  // An interest is usually the very capability (often the same string object): no character scan then.
  if (prefix === '' || prefix === capability) return true
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

/** The same rule as capabilityProblem, as one pattern (with the length bound beside it). */
export const CAPABILITY_PATTERN = new RegExp(`^[a-z0-9-]{1,${MAX_SEGMENT_LENGTH}}(/[a-z0-9-]{1,${MAX_SEGMENT_LENGTH}}){0,${MAX_CAPABILITY_DEPTH - 1}}$`)

export const CAPABILITY_REASON = `not a capability (lowercase [a-z0-9-] segments joined by '/', at most ${MAX_CAPABILITY_DEPTH} segments of ${MAX_SEGMENT_LENGTH} characters, ${MAX_CAPABILITY_LENGTH} in all)`

/** The reason with the grammar's specific problem, e.g. "…: capability segment 2 is empty". */
export function capabilityReason (value: unknown): string {
  const problem = capabilityProblem(value)
  return problem === undefined ? CAPABILITY_REASON : `${CAPABILITY_REASON}: ${problem}`
}

const reason = { error: (issue: { input?: unknown }) => capabilityReason(issue.input), abort: true }

/** The capability rule for config, topology and API bodies; its error names the exact problem. */
export const capabilitySchema = z.string().max(MAX_CAPABILITY_LENGTH, reason).regex(CAPABILITY_PATTERN, reason)

/** The capability rule for fastify's ajv (querystrings, params). */
export const CAPABILITY_JSON_SCHEMA = jsonSchemaOf(capabilitySchema)
