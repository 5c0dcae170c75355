/**
 * Canonical JSON for hashing: object keys sorted (UTF-16 code unit order), no
 * whitespace, undefined object fields dropped, undefined array items as null, byte
 * arrays as arrays of numbers. Two holders of the same value get the same string
 * whatever order its keys were built in.
 *
 * Iterative, with an explicit stack: the values hashed here come from users and peers,
 * and a recursive walk would let one deeply nested value overflow the call stack of
 * every process that hashes it.
 */

type Frame =
  | { readonly kind: 'array', readonly items: readonly unknown[], index: number }
  | { readonly kind: 'object', readonly obj: Record<string, unknown>, readonly keys: readonly string[], index: number }

export function canonicalJson (value: unknown): string {
  const out: string[] = []
  const stack: Frame[] = []
  let next: unknown = value
  let pending = true
  for (;;) {
    if (pending) {
      pending = false
      const frame = open(next, out)
      if (frame !== undefined) stack.push(frame)
    }
    const top = stack[stack.length - 1]
    if (top === undefined) return out.join('')
    if (top.kind === 'array') {
      if (top.index >= top.items.length) { out.push(']'); stack.pop(); continue }
      if (top.index > 0) out.push(',')
      const item = top.items[top.index++]
      next = item === undefined ? null : item
      pending = true
    } else {
      if (top.index >= top.keys.length) { out.push('}'); stack.pop(); continue }
      const key = top.keys[top.index] as string
      out.push(top.index > 0 ? ',' : '', JSON.stringify(key), ':')
      top.index++
      next = top.obj[key]
      pending = true
    }
  }
}

/** Writes a scalar, or the opening bracket of a container and returns its frame. */
function open (v: unknown, out: string[]): Frame | undefined {
  if (v === null || typeof v !== 'object') { out.push(JSON.stringify(v) ?? 'null'); return undefined }
  if (v instanceof Uint8Array) { out.push('[', v.join(','), ']'); return undefined }
  if (Array.isArray(v)) { out.push('['); return { kind: 'array', items: v, index: 0 } }
  const obj = v as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  out.push('{')
  return { kind: 'object', obj, keys, index: 0 }
}
