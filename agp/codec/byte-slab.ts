/**
 * Copies of decoded byte strings (a route's attrs, signature, audit path), packed into
 * shared ArrayBuffers instead of one ArrayBuffer each. An ArrayBuffer of its own costs
 * a route about 500 bytes of resident memory besides its bytes (the backing store's
 * allocation and bookkeeping, the ArrayBuffer object), several times the bytes it holds.
 *
 * A copy is a view: it keeps its whole slab alive. Slabs are at most SLAB_BYTES, and
 * sized to what the caller said it will copy (no slack when an UPDATE holds one route),
 * so a route still held keeps at most SLAB_BYTES alive, whatever became of the routes
 * that shared its slab. Never a view into the frame itself: that would keep a whole
 * UPDATE (up to 1 MiB) alive for one route.
 */

/** Largest slab: what one held route can keep alive at most. */
export const SLAB_BYTES = 4096

export class ByteSlab {
  private buffer: ArrayBuffer | undefined
  private used = 0
  /** Bytes the caller announced and has not copied yet: the next slab's size, up to SLAB_BYTES. */
  private expected: number

  /** `expectedBytes`: what the caller will copy in all (a hint: more or less is fine). */
  constructor (expectedBytes: number) {
    this.expected = Math.max(0, expectedBytes)
  }

  /** A copy of `bytes` that shares its memory with the other copies of this slab. */
  copy (bytes: Uint8Array): Uint8Array {
    const n = bytes.length
    if (n === 0) return new Uint8Array(0)
    // As large as a slab: its own buffer (nothing to share, nothing to keep alive).
    if (n * 2 > SLAB_BYTES) return new Uint8Array(bytes)
    if (this.buffer === undefined || this.used + n > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(Math.min(SLAB_BYTES, Math.max(n, this.expected)))
      this.used = 0
    }
    const out = new Uint8Array(this.buffer, this.used, n)
    out.set(bytes)
    this.used += n
    this.expected = Math.max(0, this.expected - n)
    return out
  }
}
