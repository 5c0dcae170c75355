import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isCapability, isPrefixOf } from '../../../kernel/ids/capability.ts'
import { CapabilityTrie, compareCapabilities } from '../../../agp/capability/trie.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

// A tiny alphabet so that keys and queries share prefixes (and near-misses like a vs a-b).
const segment = fc.constantFrom('a', 'b', 'a-b', 'ab', 'c1')
const capability = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'))
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: capability, value: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), key: capability })
)

function build (ops: Array<{ kind: 'set' | 'delete', key: string, value?: number }>): { trie: CapabilityTrie<number>, model: Map<string, number> } {
  const trie = new CapabilityTrie<number>()
  const model = new Map<string, number>()
  for (const o of ops) {
    if (o.kind === 'set') { trie.set(o.key, o.value ?? 0); model.set(o.key, o.value ?? 0) } else expect(trie.delete(o.key)).toBe(model.delete(o.key))
  }
  return { trie, model }
}

describe('capability trie properties', () => {
  it('agrees with a map on size, get and sorted entries', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const { trie, model } = build(ops)
      expect(trie.size).toBe(model.size)
      for (const [k, v] of model) expect(trie.get(k)).toBe(v)
      expect([...trie.entries()]).toEqual([...model.entries()].sort(([a], [b]) => compareCapabilities(a, b)))
    }), { numRuns })
  })

  it('longest match agrees with a brute-force scan', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), capability, (ops, query) => {
      const { trie, model } = build(ops)
      let best: string | undefined
      for (const k of model.keys()) if (isPrefixOf(k, query) && (best === undefined || k.length > best.length)) best = k
      const got = trie.longestMatch(query)
      expect(got).toEqual(best === undefined ? undefined : { capability: best, value: model.get(best) })
    }), { numRuns })
  })

  it('subtree agrees with a brute-force filter', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), capability, (ops, prefix) => {
      const { trie, model } = build(ops)
      const expected = [...model.entries()].filter(([k]) => isPrefixOf(prefix, k)).sort(([a], [b]) => compareCapabilities(a, b))
      expect([...trie.subtree(prefix)]).toEqual(expected)
    }), { numRuns })
  })

  it('every generated capability is valid and a prefix of itself', () => {
    fc.assert(fc.property(capability, (c) => isCapability(c) && isPrefixOf(c, c)), { numRuns })
  })
})
