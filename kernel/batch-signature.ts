/**
 * What batch signatures of every kind share: the bytes a signer signs for a Merkle
 * root (merkle-tree.ts), and the bounded cache of roots whose signature already
 * verified, so each batch costs one signature check per receiver.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { FifoMap } from './fifo-map.ts'
import { HASH_BYTES } from './merkle-tree.ts'
import type { Hasher } from './ports.ts'
import { sameBytes } from './same-bytes.ts'

/** Pure-JS SHA-256 for drivers that bring no faster one (simulator, tests). */
export const defaultHasher: Hasher = { sha256: (data) => sha256(data) }

const encoder = new TextEncoder()

/**
 * domain ‖ len(signer id) (1 byte) ‖ signer id ‖ size (uint32 BE) ‖ root. The domain
 * names the kind of batch, so a signature over one kind never passes for another.
 * The size is signed because an audit path does not fix it.
 */
export function merkleBatchSignedBytes (domain: Uint8Array, signerId: string, size: number, root: Uint8Array): Uint8Array {
  const id = encoder.encode(signerId)
  if (id.length > 255) throw new RangeError(`signer id of ${id.length} bytes (at most 255)`)
  const out = new Uint8Array(domain.length + 1 + id.length + 4 + root.length)
  let at = 0
  out.set(domain, at); at += domain.length
  out[at++] = id.length
  out.set(id, at); at += id.length
  new DataView(out.buffer).setUint32(at, size >>> 0); at += 4
  out.set(root, at)
  return out
}

/**
 * Batch roots whose signature verified, per (signer, size, root), with that signature.
 * Bounded: past `maxEntries` the oldest entry goes, and a member of a forgotten batch
 * costs one more signature check, never a wrong answer. Only verified roots enter, and
 * a hit needs the very signature that verified, so a member whose signature bytes were
 * altered is refused even while its root is cached. One cache serves one kind of
 * batch (one signing domain): the key does not name the domain.
 */
export class VerifiedRootCache {
  private readonly entries: FifoMap<string, { readonly root: Uint8Array, readonly signature: Uint8Array }>
  /** Roots added (each after one signature check that passed) since creation. */
  added = 0
  constructor (readonly maxEntries = 16_384) {
    this.entries = new FifoMap(maxEntries)
  }

  get size (): number { return this.entries.size }

  has (signerId: string, size: number, root: Uint8Array, signature: Uint8Array): boolean {
    const hit = this.entries.get(rootKey(signerId, size, root))
    return hit !== undefined && sameBytes(hit.root, root) && sameBytes(hit.signature, signature)
  }

  add (signerId: string, size: number, root: Uint8Array, signature: Uint8Array): void {
    this.added++
    this.entries.set(rootKey(signerId, size, root), { root, signature })
  }
}

function rootKey (signerId: string, size: number, root: Uint8Array): string {
  // The first 12 bytes of a SHA-256 digest tell batches apart; has() compares all 32.
  const v = new DataView(root.buffer, root.byteOffset, HASH_BYTES)
  return `${signerId} ${size} ${v.getUint32(0)} ${v.getUint32(4)} ${v.getUint32(8)}`
}

