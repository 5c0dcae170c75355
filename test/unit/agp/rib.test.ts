import { describe, expect, it } from 'vitest'
import { LimitExceededError } from '../../../kernel/errors.ts'
import { AdjRibIn } from '../../../agp/rib/adj-rib-in.ts'
import { AdjRibOutTable, sameAdvertisement } from '../../../agp/rib/adj-rib-out.ts'
import { ribKey, splitRibKey } from '../../../agp/rib/keys.ts'
import { LocRib, sameVisibleRoute, type PathCandidate } from '../../../agp/rib/loc-rib.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

function cand (over: Partial<PathCandidate> & { agent?: string, org?: string, cost?: number, seq?: number, cluster?: string[] } = {}): PathCandidate {
  const route = makeRoute(
    { agentId: over.agent ?? 'rev', originOrg: over.org ?? 'acme', costUsd: over.cost ?? 0.4, originSeq: over.seq ?? 1 },
    { clusterList: over.cluster ?? [] }
  )
  return { route, fromPeer: over.fromPeer ?? 'p1', usable: over.usable ?? true, localPref: over.localPref ?? 100, stale: over.stale ?? false, suppressed: over.suppressed ?? false }
}

describe('AdjRibIn', () => {
  it('keeps the latest advertisement per path and enforces maxRoutes', () => {
    const rib = new AdjRibIn('p1', 2)
    expect(rib.set(makeRoute({ agentId: 'a' }))).toBeUndefined()
    const prev = rib.set(makeRoute({ agentId: 'a', originSeq: 2 }))
    expect(prev?.attrs.originSeq).toBe(1)
    rib.set(makeRoute({ agentId: 'b' }))
    expect(() => rib.set(makeRoute({ agentId: 'c' }))).toThrow(LimitExceededError)
    expect(rib.size).toBe(2)
    // Replacing a held path never hits the limit.
    expect(() => rib.set(makeRoute({ agentId: 'b', originSeq: 3 }))).not.toThrow()
  })

  it('marks everything stale for graceful restart and flushes what was not re-sent', () => {
    const rib = new AdjRibIn('p1', 10)
    rib.set(makeRoute({ agentId: 'a' }))
    rib.set(makeRoute({ agentId: 'b' }))
    expect(rib.markAllStale()).toBe(2)
    expect(rib.isStale('acme/a')).toBe(true)
    rib.set(makeRoute({ agentId: 'a', originSeq: 2 }))
    expect(rib.isStale('acme/a')).toBe(false)
    expect(rib.flushStale().map((r) => r.attrs.agentId)).toEqual(['b'])
    expect([...rib.values()].map((r) => r.attrs.agentId)).toEqual(['a'])
    expect(rib.staleCount).toBe(0)
  })
})

describe('AdjRibOut', () => {
  it('sends only differences', () => {
    const out = new AdjRibOutTable().member('p1')
    const r1 = makeRoute({ originSeq: 1 })
    const [c, p] = ['code-review/python', 'acme/rev']
    expect(out.update(c, p, r1)).toEqual({ announce: r1 })
    expect(out.update(c, p, { ...r1 })).toEqual({})
    const r2 = makeRoute({ originSeq: 2 })
    expect(out.update(c, p, r2)).toEqual({ announce: r2 })
    expect(out.update(c, p, undefined)).toEqual({ withdraw: { capability: 'code-review/python', originOrg: 'acme', agentId: 'rev' } })
    expect(out.update(c, p, undefined)).toEqual({})
    expect(out.size).toBe(0)
  })

  it('neighbors sharing a table hold one entry per key and each their own view of it', () => {
    const table = new AdjRibOutTable()
    const [a, b, c] = [table.member('a'), table.member('b'), table.member('c')]
    const r1 = makeRoute({ originSeq: 1 })
    const r2 = makeRoute({ originSeq: 2 })
    const [cap, p] = ['code-review/python', 'acme/rev']
    a.update(cap, p, r1)
    b.update(cap, p, { ...r1 })
    expect(table.sharedEntries).toBe(1)
    expect(c.get(cap, p)).toBeUndefined()
    expect(b.update(cap, p, r2)).toEqual({ announce: r2 })
    expect(a.get(cap, p)).toBe(r1)
    expect(b.get(cap, p)).toBe(r2)
    a.clear()
    expect([...a.keys()]).toEqual([])
    expect([...b.keys()]).toEqual([[cap, p]])
    table.release(b)
    expect(table.sharedEntries).toBe(0)
    expect(() => b.get(cap, p)).toThrow(/after release/)
    // The freed slot is taken again, empty.
    expect(table.member('d').size).toBe(0)
  })

  it('treats a changed cluster list as a new advertisement', () => {
    const r = makeRoute()
    expect(sameAdvertisement(r, { ...r, clusterList: ['c1'] })).toBe(false)
    expect(splitRibKey(ribKey('a/b', 'o/x'))).toEqual({ capability: 'a/b', path: 'o/x' })
  })
})

describe('LocRib', () => {
  it('collapses copies of one path and reports export changes', () => {
    const rib = new LocRib({ maxPathsPerCapability: 64 })
    const changes = rib.apply([{ op: 'set', candidate: cand({ fromPeer: 'p2', cluster: ['c1', 'c2'] }) }, { op: 'set', candidate: cand({ fromPeer: 'p1', cluster: ['c1'] }) }])
    expect(changes).toEqual([{ capability: 'code-review/python', visible: true, exportPaths: ['acme/rev'] }])
    const ranked = rib.ranked('code-review/python')
    expect(ranked).toHaveLength(1)
    expect(ranked[0]?.candidate.fromPeer).toBe('p1') // shorter cluster list
    // Removing the copy that is not chosen changes nothing visible.
    expect(rib.apply([{ op: 'delete', capability: 'code-review/python', path: 'acme/rev', fromPeer: 'p2' }])).toEqual([])
    expect(rib.apply([{ op: 'delete', capability: 'code-review/python', path: 'acme/rev', fromPeer: 'p1' }]))
      .toEqual([{ capability: 'code-review/python', visible: true, exportPaths: ['acme/rev'] }])
    expect(rib.has('code-review/python')).toBe(false)
  })

  it('a refresh that changes nothing visible is not a visible change, but is exported', () => {
    const rib = new LocRib({ maxPathsPerCapability: 64 })
    rib.apply([{ op: 'set', candidate: cand({ seq: 1 }) }])
    const changes = rib.apply([{ op: 'set', candidate: cand({ seq: 2 }) }])
    expect(changes).toEqual([{ capability: 'code-review/python', visible: false, exportPaths: ['acme/rev'] }])
    expect(sameVisibleRoute(cand({ seq: 1 }).route, cand({ seq: 2, cost: 0.5 }).route)).toBe(false)
  })

  it('a batch refresh restamps a copy in place: same rank, nothing to commit or export, a new ranking array', () => {
    const rib = new LocRib({ maxPathsPerCapability: 64 })
    const a = cand({ agent: 'a', cost: 0.1 })
    const b = cand({ agent: 'b', cost: 0.2, fromPeer: 'p2' })
    rib.apply([{ op: 'set', candidate: a }, { op: 'set', candidate: b }])
    const before = rib.rankedPaths('code-review/python')
    const generation = rib.generation
    const restamped = { ...b.route, refreshedAtMs: 99 }
    expect(rib.restamp('code-review/python', 'acme/b', 'p2', restamped)).toBe(true)
    const after = rib.rankedPaths('code-review/python')
    expect(after).not.toBe(before)
    expect(after.map((c) => c.route.attrs.agentId)).toEqual(['a', 'b'])
    expect(after[1]?.route).toBe(restamped)
    expect(rib.getCopy('code-review/python', 'acme/b', 'p2')?.route).toBe(restamped)
    expect(rib.commit()).toEqual([])
    expect(rib.generation).toBe(generation)
    // Not the same route restamped, not held from that session, or changes staged: refused, nothing done.
    expect(rib.restamp('code-review/python', 'acme/b', 'p2', { ...b.route, attrs: { ...b.route.attrs, costUsd: 9 } })).toBe(false)
    expect(rib.restamp('code-review/python', 'acme/b', 'p9', { ...b.route, refreshedAtMs: 100 })).toBe(false)
    rib.set(cand({ agent: 'c', cost: 0.3 }))
    expect(rib.restamp('code-review/python', 'acme/a', 'p1', { ...a.route, refreshedAtMs: 100 })).toBe(false)
    expect(rib.getCopy('code-review/python', 'acme/a', 'p1')?.route).toBe(a.route)
  })

  it('bounds paths per capability by the global order, usable first', () => {
    const rib = new LocRib({ maxPathsPerCapability: 2 })
    rib.apply([
      { op: 'set', candidate: cand({ agent: 'cheap', cost: 0.1, usable: false, suppressed: true }) },
      { op: 'set', candidate: cand({ agent: 'mid', cost: 0.5 }) },
      { op: 'set', candidate: cand({ agent: 'dear', cost: 2 }) },
      { op: 'set', candidate: cand({ agent: 'good', cost: 0.2 }) }
    ])
    expect(rib.ranked('code-review/python').map((r) => r.candidate.route.attrs.agentId)).toEqual(['good', 'mid'])
    expect([...rib.exportable()].map((c) => c.route.attrs.agentId)).toEqual(['good', 'mid'])
  })

  it('ranks locally: local preference, then fresh before stale, then the global order', () => {
    const rib = new LocRib({ maxPathsPerCapability: 64 })
    rib.apply([
      { op: 'set', candidate: cand({ agent: 'best-global', cost: 0.1, stale: true }) },
      { op: 'set', candidate: cand({ agent: 'fresh', cost: 0.9 }) },
      { op: 'set', candidate: cand({ agent: 'preferred', cost: 1.5, localPref: 200 }) }
    ])
    const ranked = rib.ranked('code-review/python')
    expect(ranked.map((r) => r.candidate.route.attrs.agentId)).toEqual(['preferred', 'fresh', 'best-global'])
    expect(ranked.map((r) => r.reason)).toEqual(['best', 'higher-local-pref', 'fresh-before-stale'])
  })
})
