import { describe, expect, it } from 'vitest'
import {
  assertCapability, capabilitySegments, isAgentId, isCapability, isOrgId, isPrefixOf, matchesInterests
} from '../../../kernel/ids/index.ts'
import { CapabilityTrie, compareCapabilities } from '../../../agp/capability/trie.ts'
import { InvalidCapabilityError, LimitExceededError } from '../../../kernel/errors.ts'

describe('capability grammar', () => {
  it('accepts lowercase [a-z0-9-] segments joined by /', () => {
    for (const c of ['code-review', 'code-review/python', 'a/b/c/d/e/f/g/h', 'x1-2', '0']) expect(isCapability(c)).toBe(true)
  })

  it('rejects empty segments, bad characters, depth > 8, segment > 32, length > 128', () => {
    const bad = ['', '/', 'a/', '/a', 'a//b', 'Code', 'a b', 'a_b', 'a.b', 'a/b/c/d/e/f/g/h/i', 'x'.repeat(33),
      Array.from({ length: 5 }, () => 'y'.repeat(30)).join('/'), 'é']
    for (const c of bad) expect(isCapability(c), c).toBe(false)
    expect(isCapability(42)).toBe(false)
  })

  it('assertCapability throws InvalidCapabilityError naming the problem', () => {
    expect(() => assertCapability('a//b')).toThrow(InvalidCapabilityError)
    expect(() => assertCapability('a//b')).toThrow(/segment 2 is empty/)
    expect(() => assertCapability('A')).toThrow(/outside \[a-z0-9-\]/)
    expect(() => assertCapability('a/b/c/d/e/f/g/h/i')).toThrow(/9 segments, max 8/)
    expect(() => assertCapability('code-review/python')).not.toThrow()
  })

  it('splits segments', () => {
    expect(capabilitySegments('code-review/python')).toEqual(['code-review', 'python'])
  })

  it('prefix is segment-wise', () => {
    expect(isPrefixOf('code-review', 'code-review/python')).toBe(true)
    expect(isPrefixOf('code-review', 'code-review')).toBe(true)
    expect(isPrefixOf('code-review', 'code-reviewer')).toBe(false)
    expect(isPrefixOf('code-review/python', 'code-review')).toBe(false)
    expect(isPrefixOf('', 'anything')).toBe(true)
  })

  it('matches interests; empty interests = everything', () => {
    expect(matchesInterests('code-review/python', [])).toBe(true)
    expect(matchesInterests('code-review/python', ['summarize', 'code-review'])).toBe(true)
    expect(matchesInterests('code-reviewer', ['code-review'])).toBe(false)
    expect(matchesInterests('summarize', ['code-review'])).toBe(false)
  })

  it('checks org and agent ids', () => {
    expect(isOrgId('acme-1')).toBe(true)
    expect(isOrgId('x'.repeat(33))).toBe(false)
    expect(isOrgId('Acme')).toBe(false)
    expect(isOrgId('')).toBe(false)
    expect(isAgentId('x'.repeat(64))).toBe(true)
    expect(isAgentId('x'.repeat(65))).toBe(false)
    expect(isAgentId('a/b')).toBe(false)
  })
})

describe('CapabilityTrie', () => {
  function trie (): CapabilityTrie<number> {
    const t = new CapabilityTrie<number>()
    t.set('code-review', 1).set('code-review/python', 2).set('code-reviewer', 3).set('summarize/long', 4)
    return t
  }

  it('sets, gets, has, deletes and counts', () => {
    const t = trie()
    expect(t.size).toBe(4)
    expect(t.get('code-review/python')).toBe(2)
    expect(t.has('summarize')).toBe(false)
    expect(t.get('summarize')).toBeUndefined()
    t.set('code-review/python', 20)
    expect(t.size).toBe(4)
    expect(t.get('code-review/python')).toBe(20)
    expect(t.delete('code-review/python')).toBe(true)
    expect(t.delete('code-review/python')).toBe(false)
    expect(t.delete('summarize')).toBe(false)
    expect(t.size).toBe(3)
    expect(t.has('code-review')).toBe(true)
  })

  it('refuses invalid capabilities', () => {
    expect(() => new CapabilityTrie().set('Bad', 1)).toThrow(InvalidCapabilityError)
  })

  it('longest match is segment-wise', () => {
    const t = trie()
    expect(t.longestMatch('code-review/python/security')).toEqual({ capability: 'code-review/python', value: 2 })
    expect(t.longestMatch('code-review/go')).toEqual({ capability: 'code-review', value: 1 })
    expect(t.longestMatch('code-review')).toEqual({ capability: 'code-review', value: 1 })
    expect(t.longestMatch('code-reviewer/x')).toEqual({ capability: 'code-reviewer', value: 3 })
    expect(t.longestMatch('summarize')).toBeUndefined()
    expect(t.longestMatch('translate')).toBeUndefined()
  })

  it('enumerates a subtree in capability order', () => {
    const t = trie()
    expect([...t.subtree('code-review')]).toEqual([['code-review', 1], ['code-review/python', 2]])
    expect([...t.subtree('summarize')]).toEqual([['summarize/long', 4]])
    expect([...t.subtree('nothing')]).toEqual([])
    expect([...t.entries()].map(([k]) => k)).toEqual(['code-review', 'code-review/python', 'code-reviewer', 'summarize/long'])
    expect([...t.subtree('')]).toEqual([...t.subtree()])
  })

  it('iterates the same whatever the insertion order', () => {
    const keys = ['b', 'a/c', 'a', 'a-b', 'a/b', 'b/a']
    const t1 = new CapabilityTrie<string>()
    const t2 = new CapabilityTrie<string>()
    for (const k of keys) t1.set(k, k)
    for (const k of [...keys].reverse()) t2.set(k, k)
    expect([...t1.keys()]).toEqual([...t2.keys()])
    expect([...t1.keys()]).toEqual([...keys].sort(compareCapabilities))
  })

  it('prunes emptied branches', () => {
    const t = new CapabilityTrie<number>()
    t.set('a/b/c', 1)
    t.delete('a/b/c')
    expect(t.size).toBe(0)
    expect(t.longestMatch('a/b/c')).toBeUndefined()
    expect([...t.entries()]).toEqual([])
  })

  it('is bounded by maxEntries', () => {
    const t = new CapabilityTrie<number>({ maxEntries: 2 })
    t.set('a', 1).set('b', 2).set('a', 3) // replacing does not grow it
    expect(() => t.set('c', 3)).toThrow(LimitExceededError)
    expect(t.size).toBe(2)
    expect(t.longestMatch('c')).toBeUndefined()
    t.delete('a')
    t.set('c', 3)
    expect(t.size).toBe(2)
  })
})
