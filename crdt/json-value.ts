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

/** Why `value` cannot be stored (with the path of the offending part); undefined when it can. */
export function valueProblem (value: unknown, bounds: ValueBounds): string | undefined {
  const stack: Array<{ v: unknown, path: string, depth: number }> = [{ v: value, path: '', depth: 0 }]
  let nodes = 0
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, path, depth } = top
    if (++nodes > bounds.maxNodes) return `has more than ${bounds.maxNodes} values`
    const where = path === '' ? '' : ` at ${path}`
    if (v === null || typeof v === 'boolean') continue
    if (typeof v === 'number') { if (!Number.isFinite(v)) return `has a non-finite number${where}`; continue }
    if (typeof v === 'string') { if (!v.isWellFormed()) return `has a string with a lone UTF-16 surrogate${where}`; continue }
    if (typeof v !== 'object') return `has a ${typeof v}${where}, not JSON`
    if (depth >= bounds.maxDepth) return `is nested deeper than ${bounds.maxDepth} levels`
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 })
      continue
    }
    const proto = Object.getPrototypeOf(v) as unknown
    if (proto !== Object.prototype && proto !== null) return `has a non-plain object${where}`
    for (const k of Object.keys(v)) {
      const bad = keyProblem(k)
      if (bad !== undefined) return `has a key that ${bad}${where}`
      stack.push({ v: (v as Record<string, unknown>)[k], path: `${path}.${k.slice(0, 32)}`, depth: depth + 1 })
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
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length
  return bytes > limits.maxValueBytes ? `exceeds ${limits.maxValueBytes} bytes (${bytes})` : undefined
}

/** Why `key` cannot name an entry or a text (type, length, content); undefined when it can. */
export function entryKeyProblem (key: unknown, limits: MemoryLimits): string | undefined {
  if (typeof key !== 'string' || key.length === 0 || key.length > limits.maxKeyLength) return `must be 1..${limits.maxKeyLength} characters`
  return keyProblem(key)
}
