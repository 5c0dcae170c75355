/**
 * Nodes of batch trees whose root signature verified, so that the next member of a
 * batch is checked in about two hashes instead of a whole audit path (⌈log2 n⌉ + 1).
 *
 * A tree is found by (signer, size, signature): an entry exists only once that
 * signature verified over that root, and no other root can carry the same signature.
 * A member's check climbs from its leaf hash as rootFromPath does, and stops at the
 * first node equal to a known node at the same position of that tree; the rest of its
 * audit path must then be exactly the tree's own siblings above that node. Both hold
 * only if the leaf really is that position of the signed tree (SHA-256 collisions
 * aside), so a hit proves what a full climb to the signed root proves. Anything else
 * (another leaf, another position, a node of another tree, a sibling that differs, a
 * tree not or no longer cached) is a miss, and the caller runs the full check, which
 * refuses what does not fit. Only the nodes of members that passed are learned.
 *
 * Positions: leaf i is node 2i; the interior node whose subtrees meet between leaves
 * m - 1 and m is node 2m - 1 (every split point belongs to exactly one interior node),
 * so a tree of n leaves has nodes 0…2n - 2.
 *
 * Bounded by bytes (32 per node a tree can hold, 2n - 1 of them): past `maxBytes` the
 * oldest trees go, and a member of a forgotten tree costs the full check, never a
 * wrong answer.
 */
import { HASH_BYTES } from './merkle-tree.ts'
import type { Hasher } from './ports.ts'
import { sameBytes } from './same-bytes.ts'

const NODE_PREFIX = 0x01
/** Deepest audit path kept on the stack (a tree of 2^24 leaves); deeper ones are never cached. */
const MAX_DEPTH = 24

interface Tree {
  readonly signerId: string
  readonly size: number
  readonly signature: Uint8Array
  readonly root: Uint8Array
  /** Node values, 32 bytes each at 32 × position. */
  readonly nodes: Uint8Array
  /** 1 where nodes holds a known value. */
  readonly known: Uint8Array
}

export class VerifiedNodeCache {
  private readonly trees = new Map<string, Tree>()
  private bytes = 0
  // The members of a batch travel together: the tree of the last lookup is tried first,
  // before building a key.
  private last: Tree | undefined
  /** Members checked from known nodes (no full climb, no root lookup). */
  hits = 0
  // Scratch for the positions of one audit path, leaf upwards.
  private readonly siblingAt = new Int32Array(MAX_DEPTH)
  private readonly parentAt = new Int32Array(MAX_DEPTH)
  private readonly siblingLeft = new Uint8Array(MAX_DEPTH)
  private readonly buf = new Uint8Array(1 + 2 * HASH_BYTES)
  // The nodes one check climbed through, 32 bytes per step: learned once it passed.
  private readonly climbed = new Uint8Array(MAX_DEPTH * HASH_BYTES)

  constructor (readonly maxBytes = 1 << 20) {}

  get size (): number { return this.trees.size }

  /**
   * The root of the verified tree (signer, size, signature) when leaf `index` joins it
   * through `path` at a known node; undefined on a miss (then run the full check).
   */
  verifiedRoot (hasher: Hasher, signerId: string, size: number, signature: Uint8Array,
    leaf: Uint8Array, index: number, path: Uint8Array): Uint8Array | undefined {
    const tree = this.find(signerId, size, signature)
    if (tree === undefined) return undefined
    const depth = this.describe(index, size)
    if (depth < 0 || path.length !== depth * HASH_BYTES || leaf.length !== HASH_BYTES) return undefined
    let node = leaf
    let at = 2 * index
    for (let step = 0; ; step++) {
      if (knows(tree, at, node, 0)) {
        for (let s = step; s < depth; s++) {
          if (!knows(tree, this.siblingAt[s] as number, path, s * HASH_BYTES)) return undefined
        }
        this.learnPath(tree, index, leaf, path, step)
        this.hits++
        return tree.root
      }
      if (step === depth) return undefined
      node = this.nodeHash(hasher, node, path, step * HASH_BYTES, this.siblingLeft[step] === 1)
      this.climbed.set(node, step * HASH_BYTES)
      at = this.parentAt[step] as number
    }
  }

  /**
   * Records that `signature` verified over `root` for (signer, size) and that leaf
   * `index` reaches it through `path`: call only after the full check passed.
   */
  add (hasher: Hasher, signerId: string, size: number, signature: Uint8Array, root: Uint8Array,
    leaf: Uint8Array, index: number, path: Uint8Array): void {
    const depth = this.describe(index, size)
    if (depth < 0 || path.length !== depth * HASH_BYTES || leaf.length !== HASH_BYTES) return
    const need = (2 * size - 1) * HASH_BYTES
    const key = treeKey(signerId, size, signature)
    if (need > this.maxBytes || key === undefined || root.length !== HASH_BYTES) return
    let tree = this.trees.get(key)
    if (tree === undefined || !sameBytes(tree.signature, signature) || !sameBytes(tree.root, root)) {
      if (tree !== undefined) this.drop(key, tree)
      tree = { signerId, size, signature: signature.slice(), root: root.slice(), nodes: new Uint8Array(need), known: new Uint8Array(2 * size - 1) }
      this.trees.set(key, tree)
      this.bytes += need
      learn(tree, rootPosition(size), root, 0)
      for (const [oldest, t] of this.trees) {
        if (this.bytes <= this.maxBytes) break
        this.drop(oldest, t)
      }
    }
    // The full check's climb kept no nodes: climb again (once per tree and member that missed).
    let node = leaf
    for (let step = 0; step < depth; step++) {
      node = this.nodeHash(hasher, node, path, step * HASH_BYTES, this.siblingLeft[step] === 1)
      this.climbed.set(node, step * HASH_BYTES)
    }
    this.learnPath(tree, index, leaf, path, depth)
  }

  /**
   * Learns leaf `index`, the siblings its path names and the nodes climbed from it
   * (in `climbed`), up to `steps` steps: the part below the node where a check met
   * the known tree.
   */
  private learnPath (tree: Tree, index: number, leaf: Uint8Array, path: Uint8Array, steps: number): void {
    learn(tree, 2 * index, leaf, 0)
    for (let s = 0; s < steps; s++) {
      learn(tree, this.siblingAt[s] as number, path, s * HASH_BYTES)
      learn(tree, this.parentAt[s] as number, this.climbed, s * HASH_BYTES)
    }
  }

  private find (signerId: string, size: number, signature: Uint8Array): Tree | undefined {
    const last = this.last
    if (last !== undefined && last.size === size && last.signerId === signerId && sameBytes(last.signature, signature)) return last
    const key = treeKey(signerId, size, signature)
    const tree = key === undefined ? undefined : this.trees.get(key)
    if (tree === undefined || !sameBytes(tree.signature, signature)) return undefined
    this.last = tree
    return tree
  }

  private drop (key: string, tree: Tree): void {
    this.trees.delete(key)
    this.bytes -= tree.nodes.length
    if (this.last === tree) this.last = undefined
  }

  /**
   * Fills the scratch with the positions along leaf `index`'s audit path, leaf upwards
   * (the order of the path's hashes), and returns its length; -1 past MAX_DEPTH or for
   * an index outside the tree.
   */
  private describe (index: number, size: number): number {
    if (!(index >= 0 && index < size)) return -1
    let depth = 0
    for (let lo = 0, hi = size; hi - lo > 1; depth++) {
      const mid = lo + largestPowerOfTwoBelow(hi - lo)
      if (index < mid) hi = mid
      else lo = mid
    }
    if (depth > MAX_DEPTH) return -1
    // Walked from the root down, filled from the end: the path lists the deepest sibling first.
    let lo = 0
    let hi = size
    for (let s = depth - 1; s >= 0; s--) {
      const mid = lo + largestPowerOfTwoBelow(hi - lo)
      this.parentAt[s] = 2 * mid - 1
      if (index < mid) {
        this.siblingAt[s] = position(mid, hi)
        this.siblingLeft[s] = 0
        hi = mid
      } else {
        this.siblingAt[s] = position(lo, mid)
        this.siblingLeft[s] = 1
        lo = mid
      }
    }
    return depth
  }

  private nodeHash (hasher: Hasher, node: Uint8Array, path: Uint8Array, at: number, siblingLeft: boolean): Uint8Array {
    const buf = this.buf
    buf[0] = NODE_PREFIX
    const nodeAt = siblingLeft ? 1 + HASH_BYTES : 1
    const siblingAt = siblingLeft ? 1 : 1 + HASH_BYTES
    for (let i = 0; i < HASH_BYTES; i++) {
      buf[nodeAt + i] = node[i] as number
      buf[siblingAt + i] = path[at + i] as number
    }
    return hasher.sha256(buf)
  }
}

/** Position of the subtree over leaves lo…hi - 1 (see the file's comment). */
function position (lo: number, hi: number): number {
  return hi - lo === 1 ? 2 * lo : 2 * (lo + largestPowerOfTwoBelow(hi - lo)) - 1
}

function rootPosition (size: number): number {
  return position(0, size)
}

function knows (tree: Tree, at: number, bytes: Uint8Array, offset: number): boolean {
  if (tree.known[at] !== 1 || bytes.length - offset < HASH_BYTES) return false
  const nodes = tree.nodes
  const from = at * HASH_BYTES
  for (let i = 0; i < HASH_BYTES; i++) if (nodes[from + i] !== bytes[offset + i]) return false
  return true
}

function learn (tree: Tree, at: number, bytes: Uint8Array, offset: number): void {
  if (tree.known[at] === 1) return
  tree.nodes.set(bytes.subarray(offset, offset + HASH_BYTES), at * HASH_BYTES)
  tree.known[at] = 1
}

function treeKey (signerId: string, size: number, signature: Uint8Array): string | undefined {
  if (signature.length < 12) return undefined
  // The first 12 bytes of a signature tell batches apart; lookups compare all of it.
  const v = new DataView(signature.buffer, signature.byteOffset, signature.length)
  return `${signerId} ${size} ${v.getUint32(0)} ${v.getUint32(4)} ${v.getUint32(8)}`
}

function largestPowerOfTwoBelow (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
