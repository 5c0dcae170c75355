import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../../../agp/codec/frame-codec.ts'
import { ListInterner, routeLatencies, routeLists, routeStrings, routeWinRates, StringInterner, ValueInterner } from '../../../agp/codec/interner.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

describe('interners', () => {
  it('a string interner is bounded: past maxEntries it starts over, and still answers equal strings', () => {
    const strings = new StringInterner(100)
    for (let i = 0; i < 1000; i++) {
      expect(strings.intern(`s-${i}`)).toBe(`s-${i}`)
      expect(strings.size).toBeLessThanOrEqual(100)
    }
    expect(strings.size).toBeGreaterThan(0)
  })

  it('a list interner is bounded, and equal lists share one frozen array', () => {
    const strings = new StringInterner(10)
    const lists = new ListInterner(10)
    const a = lists.intern(['x', 'y'], strings)
    expect(lists.intern(['x', 'y'], strings)).toBe(a)
    expect(lists.intern(['x'], strings)).not.toBe(a)
    expect(lists.intern(['xy'], strings)).not.toBe(lists.intern(['x', 'y'], strings))
    expect(Object.isFrozen(a)).toBe(true)
    expect(lists.intern([], strings)).toBe(lists.intern([], strings))
    for (let i = 0; i < 1000; i++) {
      expect(lists.intern([`o-${i}`, 'p'], strings)).toEqual([`o-${i}`, 'p'])
      expect(lists.size).toBeLessThanOrEqual(10)
      expect(strings.size).toBeLessThanOrEqual(10)
    }
  })

  it('a value interner is bounded, and values under one key are one frozen object', () => {
    const values = new ValueInterner<{ n: number }>(10)
    const a = values.intern('1', { n: 1 })
    expect(values.intern('1', { n: 1 })).toBe(a)
    expect(Object.isFrozen(a)).toBe(true)
    for (let i = 0; i < 1000; i++) {
      expect(values.intern(String(i), { n: i })).toEqual({ n: i })
      expect(values.size).toBeLessThanOrEqual(10)
    }
  })

  it('the route interners are bounded', () => {
    for (const i of [routeStrings, routeLists, routeLatencies, routeWinRates]) expect(i.maxEntries).toBeLessThanOrEqual(65_536)
  })

  it('decoded routes share their path lists (org path, cluster list, tags) and measurements, and decode to the same values', () => {
    const routes = [0, 1, 2].map((i) => makeRoute({ agentId: `a${i}`, tags: ['gpu'] }, { orgPath: ['acme'], clusterList: ['c1'] }))
    const d = decodeFrame(encodeFrame({ type: 'update', announces: routes, withdraws: [] }))
    if (!d.ok || d.value.type !== 'update') throw new Error('does not decode')
    const [a, b, c] = d.value.announces
    expect(b?.orgPath).toBe(a?.orgPath)
    expect(c?.clusterList).toBe(a?.clusterList)
    expect(c?.attrs.tags).toBe(a?.attrs.tags)
    expect(b?.attrs.latencyMs).toBe(a?.attrs.latencyMs)
    expect(b?.attrs.winRate).toBe(a?.attrs.winRate)
    expect(a?.orgPath).toEqual(['acme'])
    expect(a?.clusterList).toEqual(['c1'])
    expect(a?.attrs.tags).toEqual(['gpu'])
  })
})
