import { describe, expect, it } from 'vitest'
import { collapseCopies, compareLocal, decideLocal, LOCAL_STEPS, rankLocal, type LocalCandidate } from '../../../agp/decision/local-rank.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import type { Route } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

function cand (route: Route, over: Partial<Omit<LocalCandidate, 'route'>> = {}): LocalCandidate {
  return { route, fromPeer: 'rr1', usable: true, localPref: 100, stale: false, ...over }
}
const strong = makeRoute({ originOrg: 'acme', agentId: 'a', winRate: { wins: 95, trials: 100 } })
const weak = makeRoute({ originOrg: 'beta', agentId: 'b', winRate: { wins: 50, trials: 100 } })

describe('local ranking', () => {
  it('has the documented steps in order', () => {
    expect(LOCAL_STEPS.map((s) => s.name)).toEqual([
      'usable-first', 'higher-local-pref', 'fresh-before-stale', 'higher-score', 'lower-originator-id', 'lower-path-id'
    ])
    expect(LOCAL_STEPS.every((s) => s.rfc !== undefined)).toBe(true)
  })

  it('puts usable before a better score', () => {
    expect(decideLocal(cand(strong, { usable: false }), cand(weak))).toEqual({ cmp: 1, reason: 'usable-first' })
  })

  it('then local preference, then fresh before stale, then the global order', () => {
    expect(decideLocal(cand(weak, { localPref: 200 }), cand(strong))).toEqual({ cmp: -1, reason: 'higher-local-pref' })
    expect(decideLocal(cand(strong, { stale: true }), cand(weak))).toEqual({ cmp: 1, reason: 'fresh-before-stale' })
    expect(decideLocal(cand(strong), cand(weak))).toEqual({ cmp: -1, reason: 'higher-score' })
    expect(compareLocal(cand(weak, { localPref: Number.NaN }), cand(strong, { localPref: 0 }))).toBeGreaterThan(0)
  })

  it('ranks best first with the reason for each position', () => {
    const mid = makeRoute({ originOrg: 'gamma', agentId: 'g', winRate: { wins: 80, trials: 100 } })
    const r = rankLocal([cand(weak), cand(strong, { stale: true }), cand(mid), cand(strong, { usable: false, fromPeer: 'x' })])
    expect(r.map((e) => [e.candidate.route.attrs.originOrg, e.reason])).toEqual([
      ['gamma', 'best'], ['beta', 'higher-score'], ['acme', 'fresh-before-stale'], ['acme', 'usable-first']
    ])
  })
})

describe('collapseCopies', () => {
  const base = makeRoute({}, { clusterList: ['c1'], orgPath: ['rr', 'acme'] })
  it('prefers a usable copy, then local preference, then fresh', () => {
    expect(collapseCopies([cand(base, { usable: false, fromPeer: 'a' }), cand(base, { fromPeer: 'b' })]).fromPeer).toBe('b')
    expect(collapseCopies([cand(base, { fromPeer: 'a' }), cand(base, { fromPeer: 'b', localPref: 150 })]).fromPeer).toBe('b')
    expect(collapseCopies([cand(base, { fromPeer: 'a', stale: true }), cand(base, { fromPeer: 'b' })]).fromPeer).toBe('b')
  })

  it('then the newest advertisement, the shortest cluster list, the shortest org path', () => {
    const newer = makeRoute({ originSeq: 2 }, { clusterList: ['c1', 'c2'] })
    expect(collapseCopies([cand(base, { fromPeer: 'a' }), cand(newer, { fromPeer: 'b' })]).fromPeer).toBe('b')
    const shortCl = makeRoute({}, { clusterList: [], orgPath: ['x', 'y', 'acme'] })
    expect(collapseCopies([cand(base, { fromPeer: 'a' }), cand(shortCl, { fromPeer: 'b' })]).fromPeer).toBe('b')
    const shortOrg = makeRoute({}, { clusterList: ['c9'], orgPath: ['acme'] })
    expect(collapseCopies([cand(base, { fromPeer: 'a' }), cand(shortOrg, { fromPeer: 'b' })]).fromPeer).toBe('b')
  })

  it('then the lowest session, whatever the order', () => {
    const copies = [cand(base, { fromPeer: 'rr2' }), cand(base, { fromPeer: 'rr1' }), cand(base, { fromPeer: 'rr3' })]
    expect(collapseCopies(copies).fromPeer).toBe('rr1')
    expect(collapseCopies([...copies].reverse()).fromPeer).toBe('rr1')
  })

  it('rejects an empty list with a typed error', () => {
    expect(() => collapseCopies([])).toThrow(InvalidArgumentError)
  })
})
