/**
 * The Loc-RIB's incremental commit (binary-search moves, copies kept collapsed-first,
 * exported set derived from the ranking) against a straightforward reference that
 * re-collapses, re-selects and re-sorts a whole capability on every commit, with the
 * decision steps as the spec (COPY_STEPS, GLOBAL_STEPS, LOCAL_STEPS). Same ops, same
 * changes, rankings, reasons and exported copies.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COPY_STEPS, LOCAL_STEPS } from '../../../agp/decision/local-rank.ts'
import { GLOBAL_STEPS } from '../../../agp/decision/global-order.ts'
import { bestBy, compareBy, rankBy, type Ranked } from '../../../agp/decision/step.ts'
import { LocRib, sameVisibleRoute, type LocRibChange, type PathCandidate } from '../../../agp/rib/loc-rib.ts'
import { routePathKey, type Route } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

interface RefEntry {
  readonly copies: Map<string, Map<string, PathCandidate>>
  ranked: Ranked<PathCandidate>[]
  exported: Map<string, PathCandidate>
}

/** The Loc-RIB as first written: everything recomputed per dirty capability. */
class ReferenceLocRib {
  readonly entries = new Map<string, RefEntry>()
  private readonly dirty = new Set<string>()
  constructor (private readonly max: number) {}

  set (c: PathCandidate): void {
    const cap = c.route.attrs.capability
    let e = this.entries.get(cap)
    if (e === undefined) {
      e = { copies: new Map(), ranked: [], exported: new Map() }
      this.entries.set(cap, e)
    }
    const path = routePathKey(c.route)
    let copies = e.copies.get(path)
    if (copies === undefined) {
      copies = new Map()
      e.copies.set(path, copies)
    }
    copies.set(c.fromPeer, c)
    this.dirty.add(cap)
  }

  delete (cap: string, path: string, fromPeer: string): void {
    const copies = this.entries.get(cap)?.copies.get(path)
    if (copies === undefined || !copies.has(fromPeer)) return
    copies.delete(fromPeer)
    if (copies.size === 0) this.entries.get(cap)?.copies.delete(path)
    this.dirty.add(cap)
  }

  commit (): LocRibChange[] {
    const out: LocRibChange[] = []
    for (const cap of this.dirty) {
      const e = this.entries.get(cap)
      if (e === undefined) continue
      const collapsed = [...e.copies.values()].map((m) => bestBy(COPY_STEPS, [...m.values()]) as PathCandidate)
      const selected = collapsed.length <= this.max
        ? collapsed
        : collapsed.sort((a, b) => a.usable !== b.usable ? (a.usable ? -1 : 1) : compareBy(GLOBAL_STEPS, a.route, b.route)).slice(0, this.max)
      const ranked = rankBy(LOCAL_STEPS, selected) as Ranked<PathCandidate>[]
      const exported = new Map<string, PathCandidate>()
      for (const r of ranked) if (r.candidate.usable) exported.set(routePathKey(r.candidate.route), r.candidate)
      const exportPaths: string[] = []
      for (const [p, c] of exported) {
        const old = e.exported.get(p)
        if (old === undefined || old.route !== c.route || old.fromPeer !== c.fromPeer) exportPaths.push(p)
      }
      for (const p of e.exported.keys()) if (!exported.has(p)) exportPaths.push(p)
      const visible = !sameCandidates(e.ranked, ranked)
      e.ranked = ranked
      e.exported = exported
      if (e.copies.size === 0) this.entries.delete(cap)
      if (visible || exportPaths.length > 0) out.push({ capability: cap, visible, exportPaths })
    }
    this.dirty.clear()
    return out
  }
}

function sameCandidates (a: readonly Ranked<PathCandidate>[], b: readonly Ranked<PathCandidate>[]): boolean {
  return a.length === b.length && a.every((r, i) => {
    const x = r.candidate
    const y = b[i]?.candidate
    return y !== undefined && x.fromPeer === y.fromPeer && x.usable === y.usable && x.stale === y.stale &&
      x.suppressed === y.suppressed && x.localPref === y.localPref && sameVisibleRoute(x.route, y.route)
  })
}

const CAPS = ['x/y', 'x/z']
const AGENTS = ['a', 'b', 'c', 'd', 'e']
const PEERS = ['p1', 'p2', 'p3']

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    cap: fc.integer({ min: 0, max: 1 }),
    agent: fc.integer({ min: 0, max: 4 }),
    peer: fc.integer({ min: 0, max: 2 }),
    variant: fc.integer({ min: 0, max: 3 }),
    usable: fc.boolean(),
    stale: fc.boolean(),
    pref: fc.constantFrom(100, 100, 200)
  }),
  fc.record({ op: fc.constant('delete' as const), cap: fc.integer({ min: 0, max: 1 }), agent: fc.integer({ min: 0, max: 4 }), peer: fc.integer({ min: 0, max: 2 }) })
)

describe('LocRib incremental commit', () => {
  it('matches a full recomputation: changes, rankings with reasons, exported copies', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(opArb, { maxLength: 8 }), { maxLength: 12 }), (max, batches) => {
      const rib = new LocRib({ maxPathsPerCapability: max })
      const ref = new ReferenceLocRib(max)
      // One route object per (capability, agent, variant): the same route may come back with other flags.
      const routes = new Map<string, Route>()
      const routeOf = (cap: number, agent: number, variant: number): Route => {
        const key = `${cap} ${agent} ${variant}`
        let r = routes.get(key)
        if (r === undefined) {
          r = makeRoute(
            { capability: CAPS[cap], agentId: AGENTS[agent], originOrg: 'o', originSeq: 1 + (variant % 2), costUsd: [0.4, 0.4, 0.1, 0.9][agent % 4] ?? 0.4, originPeerId: agent % 2 === 0 ? 'pa' : 'pb' },
            { clusterList: variant >= 2 ? ['c1'] : [] }
          )
          routes.set(key, r)
        }
        return r
      }
      for (const batch of batches) {
        for (const o of batch) {
          if (o.op === 'set') {
            const c: PathCandidate = { route: routeOf(o.cap, o.agent, o.variant), fromPeer: PEERS[o.peer] as string, usable: o.usable, stale: o.stale, localPref: o.pref, suppressed: !o.usable }
            rib.set(c)
            ref.set(c)
          } else {
            rib.delete(CAPS[o.cap] as string, `o/${AGENTS[o.agent]}`, PEERS[o.peer] as string)
            ref.delete(CAPS[o.cap] as string, `o/${AGENTS[o.agent]}`, PEERS[o.peer] as string)
          }
          // Staged changes do not show in what export sees before the commit.
          expectExported(rib, ref)
        }
        expect(rib.commit()).toEqual(ref.commit())
        for (const cap of CAPS) {
          const mine = rib.ranked(cap)
          const theirs = ref.entries.get(cap)?.ranked ?? []
          expect(mine.map((r) => r.candidate)).toEqual(theirs.map((r) => r.candidate))
          expect(mine.map((r) => r.reason)).toEqual(theirs.map((r) => r.reason))
          expect(rib.has(cap)).toBe(ref.entries.has(cap))
        }
        expectExported(rib, ref)
        expect([...rib.exportable()]).toEqual(CAPS.flatMap((cap) => [...ref.entries.get(cap)?.exported.values() ?? []]))
      }
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 100) })
  })
})

function expectExported (rib: LocRib, ref: ReferenceLocRib): void {
  for (const cap of CAPS) {
    for (const agent of AGENTS) {
      expect(rib.exported(cap, `o/${agent}`)).toBe(ref.entries.get(cap)?.exported.get(`o/${agent}`))
    }
  }
}
