/**
 * exportedByPlan (the Speaker's flush loop: the neighbor-independent part of the
 * decision computed once per Loc-RIB copy) decides exactly as exportedRoute (the
 * export decision step by step), for any speaker, neighbor, route path and source.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EMPTY_POLICY, NEIGHBOR_ROLES, type NeighborRole } from '../../../agp/index.ts'
import { exportedByPlan, exportedRoute, exportPlan, type ExportNeighbor, type ExportSelf, type ExportSource } from '../../../reflector/export.ts'
import type { RouteSource } from '../../../reflector/reflection.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 500)
const ORGS = ['a', 'b', 'c', 'fed']
const SITES = ['a', 'b', 's1', 's2']
const PEERS = ['p1', 'p2', 'p3', '']
const CAPS = ['x/y', 'x/z', 'w']

const org = fc.constantFrom(...ORGS)
const role = fc.constantFrom<NeighborRole>(...NEIGHBOR_ROLES)

const self: fc.Arbitrary<ExportSelf> = fc.record({
  role: fc.constantFrom<'peer' | 'reflector'>('peer', 'reflector'),
  org,
  site: fc.constantFrom(...SITES),
  peerId: fc.constantFrom(...PEERS.slice(0, 3)),
  cluster: fc.constantFrom(undefined, '', 'c1'),
  policy: fc.constant(EMPTY_POLICY)
}).map(({ cluster, ...rest }) => ({ ...rest, ...(cluster === undefined ? {} : { cluster }) }))

const neighbor: fc.Arbitrary<ExportNeighbor> = fc.record({
  peerId: fc.constantFrom(...PEERS.slice(0, 3)),
  org,
  site: fc.constantFrom(...SITES),
  role,
  interests: fc.subarray(['x', 'x/y', 'w', 'v'])
})

const source: fc.Arbitrary<ExportSource> = fc.record({
  fromPeer: fc.constantFrom(...PEERS),
  fromRole: fc.constantFrom<RouteSource>('local', ...NEIGHBOR_ROLES),
  fromOrg: org,
  usable: fc.boolean()
})

const route = fc.record({
  capability: fc.constantFrom(...CAPS),
  originOrg: org,
  originPeerId: fc.constantFrom(...PEERS.slice(0, 3)),
  orgPath: fc.array(org, { maxLength: 4 }),
  sitePath: fc.array(fc.constantFrom(...SITES), { maxLength: 3 }),
  tags: fc.subarray(['no-export', 'federation-only', 'gpu']),
  pathTags: fc.subarray(['no-export', 'federation-only'])
}).map((r) => makeRoute(
  { capability: r.capability, originOrg: r.originOrg, originPeerId: r.originPeerId, tags: r.tags },
  { orgPath: r.orgPath, sitePath: r.sitePath, pathTags: r.pathTags }
))

describe('exportedByPlan', () => {
  it('gives what exportedRoute gives (same route object or both nothing)', () => {
    let accepted = 0
    fc.assert(fc.property(self, neighbor, route, source, (s, to, r, from) => {
      const plan = exportPlan(s, r, from)
      if (plan === undefined) throw new Error('no plan without export rules')
      const expected = exportedRoute(s, to, r, from)
      const got = exportedByPlan(s, to, plan)
      expect(got === undefined).toBe(expected === undefined)
      if (got !== undefined && expected !== undefined) expect(got).toStrictEqual(expected)
      if (got !== undefined) accepted++
    }), { numRuns })
    // The arbitraries reach both outcomes (a property that only ever refuses proves little).
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(numRuns)
  })
})
