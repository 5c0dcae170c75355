import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { getHeapStatistics } from 'node:v8'
import { FifoMap } from '../../../kernel/fifo-map.ts'

describe('FifoMap', () => {
  it('keeps at most maxEntries; the entry set longest ago leaves first', () => {
    const m = new FifoMap<string, number>(3)
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) m.set(k, i)
    expect(m.size).toBe(3)
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => m.get(k))).toEqual([undefined, undefined, 2, 3, 4])
  })

  it('a key set again is the newest, and its older set evicts nothing', () => {
    const m = new FifoMap<string, number>(3)
    m.set('a', 1); m.set('b', 2); m.set('a', 3); m.set('c', 4)
    // The ring wrapped onto a's first set: a was set again since, so it stays.
    expect([m.get('a'), m.get('b'), m.get('c'), m.size]).toEqual([3, 2, 4, 3])
    m.set('d', 5)
    expect([m.get('a'), m.get('b'), m.get('c'), m.get('d'), m.size]).toEqual([3, undefined, 4, 5, 3])
  })

  it('matches a Map that evicts its first key past the bound, for sets of fresh keys', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (max, values) => {
      const m = new FifoMap<number, number>(max)
      const model = new Map<number, number>()
      values.forEach((v, k) => {
        m.set(k, v)
        model.set(k, v)
        if (model.size > max) model.delete(model.keys().next().value as number)
      })
      expect(m.size).toBe(model.size)
      for (let k = 0; k < values.length; k++) expect(m.get(k)).toBe(model.get(k))
    }))
  })

  it('holds memory for the entries set, not for its bound', () => {
    // A Speaker's verified-root cache is bounded at 16,384 roots and usually holds a
    // few: a simulation keeps one per node. 1,000 such maps with one entry each must
    // not cost 1,000 rings of 16,384 slots (128 MB).
    const before = getHeapStatistics().used_heap_size
    const maps = Array.from({ length: 1000 }, (_, i) => {
      const m = new FifoMap<number, number>(16_384)
      m.set(i, i)
      return m
    })
    const grown = getHeapStatistics().used_heap_size - before
    expect(maps.length).toBe(1000)
    expect(grown).toBeLessThan(16 * 2 ** 20)
  })

  it('refuses a bound below 1', () => {
    expect(() => new FifoMap(0)).toThrow(RangeError)
  })
})
