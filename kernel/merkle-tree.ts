/**
 * The Merkle tree of a batch signature (a route origination batch, a batch of memory
 * envelopes): RFC 6962 §2.1 (Certificate Transparency), verified as RFC 9162 §2.1.3.2
 * does.
 *
 * - leaf hash = SHA-256(0x00 ‖ leaf bytes), interior node = SHA-256(0x01 ‖ left ‖ right):
 *   the prefixes keep a leaf from ever passing for a node (second preimages);
 * - a tree over n leaves splits at the largest power of two below n, so nothing is
 *   duplicated to pad an odd level (the ambiguity behind CVE-2012-2459): one list of
 *   leaves has one root, and within a tree of n leaves an audit path fits one index
 *   only; it does not fix n itself (leaf 0 of 13 and of 14 rebuild the same root), so
 *   whoever signs a root signs n with it;
 * - the audit path of leaf i lists the sibling hashes from the leaf up to the root,
 *   32 bytes each, concatenated into one byte string.
 */
import type { Hasher } from './ports.ts'

export const HASH_BYTES = 32
const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

// The input of leaf hashes up to this size is assembled in one reused buffer (a
// Hasher only reads its input during the call): a leaf per received route would
// otherwise allocate a buffer each.
const LEAF_SCRATCH_BYTES = 16 * 1024
const leafScratch = new Uint8Array(LEAF_SCRATCH_BYTES)

/** SHA-256(0x00 ‖ leaf bytes); the leaf bytes may come in parts (hashed as one string, copied once). */
export function leafHash (hasher: Hasher, ...leafParts: Uint8Array[]): Uint8Array {
  let length = 1
  for (const part of leafParts) length += part.length
  const input = length <= LEAF_SCRATCH_BYTES ? leafScratch.subarray(0, length) : new Uint8Array(length)
  input[0] = LEAF_PREFIX
  let at = 1
  for (const part of leafParts) { input.set(part, at); at += part.length }
  return hasher.sha256(input)
}

function nodeHash (hasher: Hasher, buf: Uint8Array, left: Uint8Array, right: Uint8Array): Uint8Array {
  buf[0] = NODE_PREFIX
  buf.set(left, 1)
  buf.set(right, 1 + HASH_BYTES)
  return hasher.sha256(buf)
}

export interface MerkleTree {
  readonly root: Uint8Array
  /** Audit path of each leaf, leaf to root, 32-byte hashes concatenated. */
  readonly paths: readonly Uint8Array[]
}

/**
 * The root and every leaf's audit path; needs at least one leaf. O(n log n) hashes and
 * copies; the paths are views into one buffer, filled as the recursion climbs.
 */
export function merkleTree (hasher: Hasher, leaves: readonly Uint8Array[]): MerkleTree {
  const n = leaves.length
  if (n === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const starts = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) starts[i + 1] = (starts[i] as number) + auditPathLength(i, n) * HASH_BYTES
  const all = new Uint8Array(starts[n] as number)
  // Where the next sibling hash of each leaf goes: siblings arrive from the leaf up.
  const at = starts.slice(0, n)
  const buf = new Uint8Array(1 + 2 * HASH_BYTES)
  const build = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo] as Uint8Array
    const mid = lo + largestPowerOfTwoBelow(hi - lo)
    const left = build(lo, mid)
    const right = build(mid, hi)
    for (let i = lo; i < mid; i++) { all.set(right, at[i] as number); at[i] = (at[i] as number) + HASH_BYTES }
    for (let i = mid; i < hi; i++) { all.set(left, at[i] as number); at[i] = (at[i] as number) + HASH_BYTES }
    return nodeHash(hasher, buf, left, right)
  }
  const root = build(0, n)
  const paths: Uint8Array[] = []
  for (let i = 0; i < n; i++) paths.push(all.subarray(starts[i], starts[i + 1]))
  return { root, paths }
}

/**
 * The root of the tree over `leaves` when `paths[i]` is exactly leaf i's audit path for
 * every i (what merkleTree would give), else undefined. Each path is compared in place
 * as the tree is built, so a batch whose members all arrived is checked without
 * building its paths (a buffer, a copy per sibling and a view per leaf) and comparing
 * them after.
 */
export function merkleRootIfPaths (hasher: Hasher, leaves: readonly Uint8Array[], paths: readonly Uint8Array[]): Uint8Array | undefined {
  const n = leaves.length
  if (n === 0 || paths.length !== n) return undefined
  // Where the next sibling hash of each leaf's path starts: siblings come from the leaf up.
  const at = new Int32Array(n)
  const buf = new Uint8Array(1 + 2 * HASH_BYTES)
  const build = (lo: number, hi: number): Uint8Array | undefined => {
    if (hi - lo === 1) return leaves[lo] as Uint8Array
    const mid = lo + largestPowerOfTwoBelow(hi - lo)
    const left = build(lo, mid)
    if (left === undefined) return undefined
    const right = build(mid, hi)
    if (right === undefined) return undefined
    for (let i = lo; i < hi; i++) {
      const path = paths[i] as Uint8Array
      const from = at[i] as number
      if (from + HASH_BYTES > path.length || !hashAt(path, from, i < mid ? right : left)) return undefined
      at[i] = from + HASH_BYTES
    }
    return nodeHash(hasher, buf, left, right)
  }
  const root = build(0, n)
  if (root === undefined) return undefined
  for (let i = 0; i < n; i++) if (at[i] !== (paths[i] as Uint8Array).length) return undefined
  return root
}

/** True when the 32 bytes of `bytes` from `at` are `hash`. */
function hashAt (bytes: Uint8Array, at: number, hash: Uint8Array): boolean {
  for (let k = 0; k < HASH_BYTES; k++) if (bytes[at + k] !== hash[k]) return false
  return true
}

/**
 * The root that leaf `index` of a tree of `size` leaves leads to through `path`, or
 * undefined when the path cannot belong to that position (too short, too long, or
 * not a multiple of 32 bytes). RFC 9162 §2.1.3.2's loop.
 */
export function rootFromPath (hasher: Hasher, leaf: Uint8Array, index: number, size: number, path: Uint8Array): Uint8Array | undefined {
  if (!(index >= 0 && index < size) || path.length % HASH_BYTES !== 0) return undefined
  let fn = index
  let sn = size - 1
  let r = leaf
  const buf = new Uint8Array(1 + 2 * HASH_BYTES)
  for (let at = 0; at < path.length; at += HASH_BYTES) {
    if (sn === 0) return undefined
    const p = path.subarray(at, at + HASH_BYTES)
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(hasher, buf, p, r)
      while ((fn & 1) === 0 && fn !== 0) { fn >>>= 1; sn >>>= 1 }
    } else {
      r = nodeHash(hasher, buf, r, p)
    }
    fn >>>= 1
    sn >>>= 1
  }
  return sn === 0 ? r : undefined
}

/** How many hashes the audit path of leaf `index` in a tree of `size` leaves holds. */
export function auditPathLength (index: number, size: number): number {
  let fn = index
  let sn = size - 1
  let length = 0
  while (sn !== 0) {
    if ((fn & 1) === 0 && fn === sn) {
      while ((fn & 1) === 0 && fn !== 0) { fn >>>= 1; sn >>>= 1 }
    }
    fn >>>= 1
    sn >>>= 1
    length++
  }
  return length
}

function largestPowerOfTwoBelow (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
