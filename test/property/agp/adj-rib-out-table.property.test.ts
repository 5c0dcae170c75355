// The neighbors of a Speaker keep their Adj-RIB-Outs in one shared table. Whatever mix of
// updates, withdrawals, clears, releases and new neighbors (past one shard's 30 slots),
// each neighbor must answer exactly as a map of its own would: the same diffs, the same
// keys and size, and a held route that is the same advertisement as the one it was sent.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AdjRibOutTable, sameAdvertisement, type AdjRibOut } from '../../../agp/rib/adj-rib-out.ts'
import type { Route, WithdrawnPath } from '../../../agp/route/route.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

const CAPS = ['cap-a', 'cap-b']
const AGENTS = ['x', 'y', 'z']
/** Advertisements of each (capability, agent): two sequence numbers, two cluster lists. */
function advertisement (cap: number, agent: number, variant: number): Route {
  return makeRoute({ capability: CAPS[cap], agentId: AGENTS[agent], originSeq: 1 + (variant & 1) }, { clusterList: (variant & 2) === 0 ? [] : ['c1'] })
}

const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('update' as const), m: fc.nat({ max: 40 }), cap: fc.nat({ max: 1 }), agent: fc.nat({ max: 2 }), variant: fc.option(fc.nat({ max: 3 }), { nil: undefined }), copy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), m: fc.nat({ max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), m: fc.nat({ max: 40 }) }) }
)

interface Member { out: AdjRibOut, model: Map<string, Route> }

describe('AdjRibOutTable', () => {
  it('every neighbor sees what a map of its own would hold', () => {
    fc.assert(fc.property(fc.nat({ max: 40 }), fc.array(op, { maxLength: 200 }), (initial, ops) => {
      const table = new AdjRibOutTable()
      const members: (Member | undefined)[] = []
      const memberAt = (m: number): Member => {
        let x = members[m]
        if (x === undefined) {
          x = { out: table.member(`p${m}`), model: new Map() }
          members[m] = x
        }
        return x
      }
      for (let m = 0; m <= initial; m++) memberAt(m)
      for (const o of ops) {
        if (o.kind === 'release') {
          const x = members[o.m]
          if (x !== undefined) table.release(x.out)
          members[o.m] = undefined
          continue
        }
        const x = memberAt(o.m)
        if (o.kind === 'clear') {
          x.out.clear()
          x.model.clear()
          continue
        }
        const cap = CAPS[o.cap] as string
        const path = `acme/${AGENTS[o.agent] as string}`
        const made = o.variant === undefined ? undefined : advertisement(o.cap, o.agent, o.variant)
        const desired = made !== undefined && o.copy ? { ...made } : made
        const withdraws: WithdrawnPath[] = []
        const announces: Route[] = []
        x.out.updateInto(cap, path, desired, withdraws, announces)
        // The model: a map of its own (the Adj-RIB-Out before it was shared).
        const key = `${cap} ${path}`
        const prev = x.model.get(key)
        const want: { withdraws: WithdrawnPath[], announces: Route[] } = { withdraws: [], announces: [] }
        if (desired === undefined) {
          if (prev !== undefined) {
            x.model.delete(key)
            want.withdraws.push({ capability: cap, originOrg: 'acme', agentId: AGENTS[o.agent] as string })
          }
        } else if (prev === undefined || !sameAdvertisement(prev, desired)) {
          x.model.set(key, desired)
          want.announces.push(desired)
        }
        expect(withdraws).toEqual(want.withdraws)
        expect(announces.length).toBe(want.announces.length)
        if (announces[0] !== undefined) expect(announces[0]).toBe(want.announces[0])
      }
      for (const x of members) {
        if (x === undefined) continue
        expect(x.out.size).toBe(x.model.size)
        expect(new Set([...x.out.keys()].map(([c, p]) => `${c} ${p}`))).toEqual(new Set(x.model.keys()))
        for (const [key, route] of x.model) {
          const [c, p] = key.split(' ') as [string, string]
          const held = x.out.get(c, p)
          expect(held !== undefined && sameAdvertisement(held, route)).toBe(true)
        }
      }
      // Nothing is kept for keys no neighbor holds.
      const live = new Set<string>()
      for (const x of members) if (x !== undefined) for (const k of x.model.keys()) live.add(k)
      expect(table.sharedEntries).toBeLessThanOrEqual(live.size * Math.ceil(members.length / 30))
    }), { numRuns })
  })
})
