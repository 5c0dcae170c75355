/** Unsigned LEB128 varint, as libp2p's length prefixes use (uint8-varint compatible). */
export function varintLength (value: number): number {
  let n = 1
  while (value >= 0x80) { value = Math.floor(value / 128); n++ }
  return n
}

export function writeVarint (value: number, out: Uint8Array, offset: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  out[offset++] = value
  return offset
}
