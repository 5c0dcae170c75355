/**
 * A trie keyed by capability segments: longest-prefix match (a query for
 * `code-review/python/security` is served by `code-review/python` when nothing more
 * specific exists, like an IP route lookup) and subtree enumeration.
 *
 * Iteration is deterministic, in capability order (compareCapabilities: parent before
 * children, siblings by code unit), never in insertion order, so a simulation replays
 * byte-identically whatever order routes arrived in.
 */
import { assertCapability, capabilitySegments, LimitExceededError } from '../../kernel/index.ts'

export interface CapabilityTrieOptions {
  /** Max stored keys; set() of a new key past it throws LimitExceededError. */
  readonly maxEntries?: number
}

export const DEFAULT_MAX_TRIE_ENTRIES = 1_000_000

interface Node<V> {
  children: Map<string, Node<V>> | undefined
  /** Child segments in code-unit order, kept until the children change (walks are frequent, changes rare). */
  sortedKeys: string[] | undefined
  hasValue: boolean
  value: V | undefined
}

function newNode<V> (): Node<V> {
  return { children: undefined, sortedKeys: undefined, hasValue: false, value: undefined }
}

/** Segment-wise order: `a` < `a/b` < `a-b`; the order every trie iteration uses. */
export function compareCapabilities (a: string, b: string): number {
  const sa = capabilitySegments(a)
  const sb = capabilitySegments(b)
  const n = Math.min(sa.length, sb.length)
  for (let i = 0; i < n; i++) {
    const x = sa[i] as string
    const y = sb[i] as string
    if (x !== y) return x < y ? -1 : 1
  }
  return sa.length - sb.length
}

export class CapabilityTrie<V> {
  private readonly root: Node<V> = newNode()
  private count = 0
  readonly maxEntries: number

  constructor (options: CapabilityTrieOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_TRIE_ENTRIES
  }

  get size (): number {
    return this.count
  }

  /** Stores `value` under `capability` (validated: InvalidCapabilityError otherwise). */
  set (capability: string, value: V): this {
    assertCapability(capability)
    let node = this.root
    const segments = capabilitySegments(capability)
    // Check the bound before creating nodes, so a refused insert leaves no empty branch.
    if (!this.has(capability) && this.count >= this.maxEntries) {
      throw new LimitExceededError(`capability trie is full (${this.maxEntries} entries)`, this.maxEntries)
    }
    for (const seg of segments) {
      node.children ??= new Map()
      let next = node.children.get(seg)
      if (next === undefined) {
        next = newNode()
        node.children.set(seg, next)
        node.sortedKeys = undefined
      }
      node = next
    }
    if (!node.hasValue) this.count++
    node.hasValue = true
    node.value = value
    return this
  }

  get (capability: string): V | undefined {
    return this.find(capability)?.value
  }

  has (capability: string): boolean {
    return this.find(capability)?.hasValue === true
  }

  delete (capability: string): boolean {
    const path: Array<[Node<V>, string]> = []
    let node: Node<V> | undefined = this.root
    for (const seg of capabilitySegments(capability)) {
      const next: Node<V> | undefined = node.children?.get(seg)
      if (next === undefined) return false
      path.push([node, seg])
      node = next
    }
    if (!node.hasValue || capability === '') return false
    node.hasValue = false
    node.value = undefined
    this.count--
    // Prune branches left with neither a value nor children, so the trie's size
    // tracks its entries and a churn of capabilities never leaks nodes.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, seg] = path[i] as [Node<V>, string]
      const child = parent.children?.get(seg)
      if (child === undefined || child.hasValue || (child.children?.size ?? 0) > 0) break
      parent.children?.delete(seg)
      parent.sortedKeys = undefined
      if (parent.children?.size === 0) parent.children = undefined
    }
    return true
  }

  clear (): void {
    this.root.children = undefined
    this.root.sortedKeys = undefined
    this.count = 0
  }

  /** The longest stored key that is a segment-prefix of (or equal to) `capability`. */
  longestMatch (capability: string): { capability: string, value: V } | undefined {
    let node: Node<V> = this.root
    let best: { depth: number, value: V } | undefined
    const segments = capabilitySegments(capability)
    for (let i = 0; i < segments.length; i++) {
      const next = node.children?.get(segments[i] as string)
      if (next === undefined) break
      node = next
      if (node.hasValue) best = { depth: i + 1, value: node.value as V }
    }
    if (best === undefined) return undefined
    return { capability: segments.slice(0, best.depth).join('/'), value: best.value }
  }

  /** All entries at or below `prefix` (segment-wise), in capability order. '' or undefined = all. */
  * subtree (prefix?: string): Generator<[string, V]> {
    if (prefix === undefined || prefix === '') {
      yield * this.walk(this.root, '')
      return
    }
    const node = this.find(prefix)
    if (node === undefined) return
    // A leaf (the usual query for one capability): no recursion to set up.
    if (node.children === undefined) {
      if (node.hasValue) yield [prefix, node.value as V]
      return
    }
    yield * this.walk(node, prefix)
  }

  entries (): Generator<[string, V]> {
    return this.subtree()
  }

  * keys (): Generator<string> {
    for (const [k] of this.subtree()) yield k
  }

  [Symbol.iterator] (): Generator<[string, V]> {
    return this.subtree()
  }

  private find (capability: string): Node<V> | undefined {
    if (capability === '') return undefined
    let node: Node<V> | undefined = this.root
    for (const seg of capabilitySegments(capability)) {
      node = node.children?.get(seg)
      if (node === undefined) return undefined
    }
    return node
  }

  // Depth is bounded by MAX_CAPABILITY_DEPTH, so recursion is shallow.
  // `path` is the node's capability ('' for the root).
  private * walk (node: Node<V>, path: string): Generator<[string, V]> {
    if (node.hasValue) yield [path, node.value as V]
    if (node.children === undefined) return
    node.sortedKeys ??= [...node.children.keys()].sort()
    for (const key of node.sortedKeys) {
      const child = node.children.get(key)
      if (child !== undefined) yield * this.walk(child, path === '' ? key : `${path}/${key}`)
    }
  }
}
