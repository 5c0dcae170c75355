/**
 * What a memory value may be, checked the same way at the API (before a local write)
 * and at envelope ingest (before Y.applyUpdate), so every replica holds the same bytes
 * and the same stateHash:
 *   - null, booleans, finite numbers, well-formed strings (no lone UTF-16 surrogate:
 *     UTF-8 on the wire would turn it into U+FFFD at every other member),
 *     arrays, and plain objects;
 *   - no object key `__proto__` (an assignment to it sets the prototype instead of a
 *     field, so it would vanish from listings and from the stateHash);
 *   - at most `maxDepth` levels of nesting and `maxNodes` values in all.
 * The walk is iterative: the value is not trusted to be shallow.
 */
import type { MemoryLimits } from './limits.ts'

export interface ValueBounds {
  readonly maxDepth: number
  readonly maxNodes: number
}

/** A key no stored object, entry or text may use. */
export function isReservedKey (key: string): boolean {
  return key === '__proto__'
}

/** Why `key` cannot name an entry, text or object field; undefined when it can. */
export function keyProblem (key: string): string | undefined {
  if (!key.isWellFormed()) return 'contains a lone UTF-16 surrogate'
  if (isReservedKey(key)) return `"${key}" is reserved`
  return undefined
}

/** A value still to check; its path is built only if it has a problem (most values have none). */
interface Frame { readonly v: unknown, readonly parent: Frame | undefined, readonly step: string | number, readonly depth: number }

function pathOf (f: Frame): string {
  const steps: string[] = []
  for (let at: Frame | undefined = f; at?.parent !== undefined; at = at.parent) steps.push(typeof at.step === 'number' ? `[${at.step}]` : `.${at.step.slice(0, 32)}`)
  return steps.reverse().join('')
}

function isValidScalar (v: unknown): boolean {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.isWellFormed())
}

/**
 * True for a scalar, or a plain object or array of scalars, that the walk below would
 * pass: most values are one of these, and this needs no frames. False means "walk it",
 * never "refuse it": the walk gives the verdict and the message.
 */
function isFlatAndValid (v: unknown, bounds: ValueBounds): boolean {
  if (bounds.maxNodes < 1) return false
  if (isValidScalar(v)) return true
  if (typeof v !== 'object' || v === null || bounds.maxDepth < 1) return false
  if (Array.isArray(v)) {
    if (v.length + 1 > bounds.maxNodes) return false
    for (let i = 0; i < v.length; i++) if (!isValidScalar(v[i])) return false
    return true
  }
  const proto = Object.getPrototypeOf(v) as unknown
  if (proto !== Object.prototype && proto !== null) return false
  const keys = Object.keys(v)
  if (keys.length + 1 > bounds.maxNodes) return false
  for (const k of keys) if (keyProblem(k) !== undefined || !isValidScalar((v as Record<string, unknown>)[k])) return false
  return true
}

function where (f: Frame): string {
  const path = pathOf(f)
  return path === '' ? '' : ` at ${path}`
}

/** Why `value` cannot be stored (with the path of the offending part); undefined when it can. */
export function valueProblem (value: unknown, bounds: ValueBounds): string | undefined {
  if (isFlatAndValid(value, bounds)) return undefined
  const stack: Frame[] = [{ v: value, parent: undefined, step: '', depth: 0 }]
  let nodes = 0
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, depth } = top
    if (++nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`
    if (v === null || typeof v === 'boolean') continue
    if (typeof v === 'number') { if (!Number.isFinite(v)) return `has a non-finite number${where(top)}`; continue }
    if (typeof v === 'string') { if (!v.isWellFormed()) return `has a string with a lone UTF-16 surrogate${where(top)}`; continue }
    if (typeof v !== 'object') return `has a ${typeof v}${where(top)}, not JSON`
    if (depth >= bounds.maxDepth) return `is nested deeper than ${bounds.maxDepth} levels`
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], parent: top, step: i, depth: depth + 1 })
      continue
    }
    const proto = Object.getPrototypeOf(v) as unknown
    if (proto !== Object.prototype && proto !== null) return `has a non-plain object${where(top)}`
    for (const k of Object.keys(v)) {
      const bad = keyProblem(k)
      if (bad !== undefined) return `has a key that ${bad}${where(top)}`
      stack.push({ v: (v as Record<string, unknown>)[k], parent: top, step: k, depth: depth + 1 })
    }
  }
  return undefined
}

/** Why a value cannot be an entry (shape, then encoded size); undefined when it can. */
export function entryValueProblem (value: unknown, limits: MemoryLimits): string | undefined {
  // Shape first: the walk is iterative and bounded, and only a value that passed it is
  // safe to hand to the recursive JSON.stringify.
  const problem = valueProblem(value, { maxDepth: limits.maxValueDepth, maxNodes: limits.maxValueBytes })
  if (problem !== undefined) return problem
  // UTF-8 takes at most 3 bytes per UTF-16 unit of the JSON text: a value whose text is
  // surely short enough needs no text at all (ingest checks every value it receives).
  if (3 * flatJsonLengthBound(value) <= limits.maxValueBytes) return undefined
  const json = JSON.stringify(value)
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most values need no count at all.
  if (json.length * 3 <= limits.maxValueBytes) return undefined
  const bytes = utf8Length(json)
  return bytes > limits.maxValueBytes ? `exceeds ${limits.maxValueBytes} bytes (${bytes})` : undefined
}

/** Longest JSON text of a finite number ("-1.7976931348623157e+308" has 24 characters). */
const MAX_NUMBER_JSON = 24

/** At least the length of JSON.stringify(v) for a valid scalar: a string's characters each escaped as \uXXXX at worst. */
function scalarJsonLengthBound (v: unknown): number {
  return typeof v === 'string' ? 2 + 6 * v.length : typeof v === 'number' ? MAX_NUMBER_JSON : 5
}

/**
 * At least the length of JSON.stringify(v) for a value that passed valueProblem, when
 * it is a scalar or a flat array or object of scalars; Infinity for anything deeper
 * (the caller then measures the text itself).
 */
function flatJsonLengthBound (v: unknown): number {
  if (typeof v !== 'object' || v === null) return scalarJsonLengthBound(v)
  let n = 2
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i]
      if (typeof x === 'object' && x !== null) return Infinity
      n += scalarJsonLengthBound(x) + 1
    }
    return n
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k]
    if (typeof x === 'object' && x !== null) return Infinity
    n += scalarJsonLengthBound(k) + scalarJsonLengthBound(x) + 2
  }
  return n
}

/** Bytes of the UTF-8 encoding of a well-formed string (JSON.stringify escapes lone surrogates). */
function utf8Length (s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) { n += 4; i++ } else n += 3
  }
  return n
}

/** Why `key` cannot name an entry or a text (type, length, content); undefined when it can. */
export function entryKeyProblem (key: unknown, limits: MemoryLimits): string | undefined {
  if (typeof key !== 'string' || key.length === 0 || key.length > limits.maxKeyLength) return `must be 1..${limits.maxKeyLength} characters`
  return keyProblem(key)
}
