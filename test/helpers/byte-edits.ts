/**
 * Byte-level mutations of a valid encoding for decoder properties: flip, insert, delete
 * a byte, or cut the tail, at positions taken modulo the length.
 */
import fc from 'fast-check'

export interface ByteEdit {
  readonly at: number
  readonly kind: 'flip' | 'insert' | 'delete' | 'cut'
  readonly byte: number
}

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const, 'cut' as const),
  byte: fc.integer({ min: 0, max: 255 })
})

export function applyByteEdits (seed: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  const b = Array.from(seed)
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length
    if (e.kind === 'flip') b[at] = (b[at] ?? 0) ^ (e.byte | 1)
    else if (e.kind === 'insert') b.splice(at, 0, e.byte)
    else if (e.kind === 'delete') b.splice(at, 1)
    else b.length = at
  }
  return Uint8Array.from(b)
}
