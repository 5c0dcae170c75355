/**
 * Sites of one org, any mix: orgs with one to three sites, each site a client of any
 * subset of two peered federation reflectors, and internal sessions between any sites
 * of one org. After convergence:
 * - safety: no node holds a route whose path holds its own (org, site), or its own
 *   org after another org (agp/route/site.ts);
 * - liveness: a route is never dropped only because its org is the receiver's — every
 *   site holds the agent of every site its route can reach it from (an internal
 *   session, or the federation entered and left through a reflector client or an
 *   internal neighbor of one).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { NeighborConfig } from '../../../reflector/types.ts'
import { crossedSite, leftAndReturned } from '../../../agp/route/site.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 40)
const RRS = ['rr1', 'rr2'] as const

interface SiteNode { readonly peerId: string, readonly org: string, readonly site: string, readonly rrs: readonly string[] }
interface Topology { readonly sites: readonly SiteNode[], readonly internal: ReadonlySet<string> }

const pairKey = (a: string, b: string): string => a < b ? `${a}|${b}` : `${b}|${a}`

/**
 * Internal sessions as iBGP runs them without reflection: each org picks a set of its
 * sites that form a full mesh (a site passes a route learned over one internal session
 * to no other, so a partial mesh is a configuration error, as in BGP).
 */
const topology: fc.Arbitrary<Topology> = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).chain((siteCounts) => {
  const sites = siteCounts.flatMap((n, o) => Array.from({ length: n }, (_, s) => ({ org: `o${o}`, site: s === 0 ? `o${o}` : `s${s}` })))
  return fc.record({
    rrs: fc.array(fc.subarray([...RRS]), { minLength: sites.length, maxLength: sites.length }),
    meshed: fc.array(fc.boolean(), { minLength: sites.length, maxLength: sites.length })
  }).map(({ rrs, meshed }) => {
    const nodes = sites.map((s, i) => ({ ...s, peerId: `${s.org}-${s.site}`, rrs: rrs[i] ?? [], meshed: meshed[i] === true }))
    const internal = new Set(nodes.flatMap((a, i) => nodes.slice(i + 1)
      .filter((b) => b.org === a.org && a.meshed && b.meshed).map((b) => pairKey(a.peerId, b.peerId))))
    return { sites: nodes, internal }
  })
})

function run (t: Topology): SpeakerHarness {
  const h = new SpeakerHarness({ wire: false })
  for (const s of t.sites) {
    const neighbors: NeighborConfig[] = [
      ...s.rrs.map((r) => ({ peerId: r, org: 'fed', role: 'reflector' as const })),
      ...t.sites.filter((o) => o !== s && t.internal.has(pairKey(s.peerId, o.peerId))).map((o) => ({ peerId: o.peerId, org: o.org, role: 'site' as const }))
    ]
    h.add({ peerId: s.peerId, org: s.org, site: s.site, neighbors })
  }
  for (const [rr, cluster, other] of [['rr1', 'c1', 'rr2'], ['rr2', 'c2', 'rr1']] as const) {
    h.add({
      peerId: rr, org: 'fed', role: 'reflector', cluster,
      neighbors: [
        ...t.sites.filter((s) => s.rrs.includes(rr)).map((s) => ({ peerId: s.peerId, org: s.org, role: 'client' as const })),
        { peerId: other, org: 'fed', role: 'peer' as const }
      ]
    })
  }
  h.startAll()
  h.runFor(1000)
  for (const s of t.sites) h.input(s.peerId, { type: 'agent-upsert', agent: agent(`a-${s.site}`, 'cap') })
  h.runFor(2000)
  return h
}

/**
 * Can a route of `from` reach `to`? Over an internal session; or into the federation
 * at a reflector client Z (from itself, or an internal neighbor of it) and out at
 * another client W (to itself, or an internal neighbor of it). Z must differ from W: a
 * reflector never sends a route back to its sender.
 */
function reaches (t: Topology, from: SiteNode, to: SiteNode): boolean {
  if (t.internal.has(pairKey(from.peerId, to.peerId))) return true
  const entries = (s: SiteNode): string[] => t.sites
    .filter((o) => o.rrs.length > 0 && (o === s || t.internal.has(pairKey(s.peerId, o.peerId))))
    .map((o) => o.peerId)
  const outs = entries(to)
  return entries(from).some((z) => outs.some((w) => w !== z))
}

describe('property: sites of one org', () => {
  it('never holds a route through its own (org, site); never drops one only because the org is its own', () => {
    fc.assert(fc.property(topology, (t) => {
      const h = run(t)
      for (const s of t.sites) {
        for (const { routes } of h.node(s.peerId).snapshot().adjRibIn) {
          for (const r of routes) {
            expect(crossedSite(r, s.org, s.site)).toBe(false)
            expect(leftAndReturned(r.orgPath, s.org)).toBe(false)
          }
        }
        const held = new Set(h.node(s.peerId).routes(h.nowMs).map((v) => `${v.route.attrs.originOrg}/${v.route.attrs.agentId}`))
        for (const other of t.sites) {
          if (other === s) continue
          expect(held.has(`${other.org}/a-${other.site}`)).toBe(reaches(t, other, s))
        }
      }
    }), { numRuns })
  })
})
