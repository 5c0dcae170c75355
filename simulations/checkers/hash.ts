/** Two independent 32-bit FNV-1a hashes of a string: a 64-bit-ish key for XOR-accumulated state hashes. */
export function hash64 (s: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x5bd1e995
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return [a >>> 0, b >>> 0]
}

/**
 * hash64 of the parts joined as `${head[0]}\n${head[1]}\n${parts.join(' ')}`, without
 * building that string (the Loc-RIB digests of a large run hash millions of path ids).
 */
export function hash64Joined (first: string, second: string, parts: readonly string[]): [number, number] {
  const h: [number, number] = [0x811c9dc5, 0x01000193 ^ 0x5bd1e995]
  mix(h, first)
  mixChar(h, 10)
  mix(h, second)
  mixChar(h, 10)
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) mixChar(h, 32)
    mix(h, parts[i] as string)
  }
  return [h[0] >>> 0, h[1] >>> 0]
}

function mix (h: [number, number], s: string): void {
  let a = h[0]
  let b = h[1]
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  h[0] = a
  h[1] = b
}

function mixChar (h: [number, number], c: number): void {
  h[0] = Math.imul(h[0] ^ c, 0x01000193)
  let b = Math.imul(h[1] ^ c, 0x5bd1e995)
  b ^= b >>> 15
  h[1] = b
}
