// Outcome sharing over any valid internal topology of one org: a full mesh of sites, or
// one or two site reflectors (meshed together) with clients that each use a non-empty
// subset of them, and on any site some neighbors outside the org (a federation
// reflector, a partner). One outcome recorded at any site reaches every other site of
// the org exactly once (duplicates through two reflectors are dropped), never a
// neighbor outside the org, and no message crosses more than two relays. Scale with
// FUZZ_RUNS.
import fc from 'fast-check'
import type { Libp2p } from 'libp2p'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { NeighborRole } from '../../../agp/index.ts'
import { OutcomeSharing } from '../../../daemon/outcomes/outcome-sharing.ts'
import type { SiteOutcomeMessage } from '../../../daemon/outcomes/site-outcome-message.ts'
import type { Outcome, PeerView } from '../../../reflector/index.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const outcome: Outcome = { org: 'globex', agent: 't1', capability: 'translate', success: false }

interface Topology {
  /** site → (neighbor → its role to this site). */
  readonly links: ReadonlyMap<string, ReadonlyMap<string, NeighborRole>>
  readonly sites: readonly string[]
}

const topology = fc.record({
  sites: fc.integer({ min: 2, max: 7 }),
  reflectors: fc.integer({ min: 0, max: 2 }),
  clientOf: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 7, maxLength: 7 }),
  outside: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 })
}).map(({ sites, reflectors, clientOf, outside }): Topology => {
  const names = Array.from({ length: sites }, (_, i) => `s${i}`)
  const links = new Map(names.map((s) => [s, new Map<string, NeighborRole>()]))
  const link = (a: string, b: string, roleOfB: NeighborRole, roleOfA: NeighborRole): void => {
    links.get(a)?.set(b, roleOfB)
    links.get(b)?.set(a, roleOfA)
  }
  const rrs = names.slice(0, Math.min(reflectors, sites - 1))
  if (rrs.length === 0) {
    for (const [i, a] of names.entries()) for (const b of names.slice(i + 1)) link(a, b, 'site', 'site')
  } else {
    for (const [i, a] of rrs.entries()) for (const b of rrs.slice(i + 1)) link(a, b, 'site', 'site')
    for (const [i, c] of names.slice(rrs.length).entries()) {
      // A non-empty subset of the reflectors: bit mask 1..3 over at most two.
      const mask = (clientOf[i] ?? 1) % (1 << rrs.length) || 1
      rrs.forEach((rr, j) => { if ((mask & (1 << j)) !== 0) link(c, rr, 'site-reflector', 'site-client') })
    }
  }
  names.forEach((s, i) => {
    if (outside[i] === true) {
      links.get(s)?.set('fed-rr', 'reflector')
      links.get(s)?.set('partner', 'partner')
    }
  })
  return { links, sites: names }
})

async function share (t: Topology, origin: string): Promise<{ recorded: Map<string, number>, outsideSent: number, maxHops: number }> {
  const recorded = new Map(t.sites.map((s) => [s, 0]))
  const wire: Array<{ from: string, to: string, message: SiteOutcomeMessage }> = []
  const nodes = new Map(t.sites.map((site) => {
    const peers: PeerView[] = [...(t.links.get(site) ?? new Map<string, NeighborRole>())].map(([peerId, role]) => ({
      peerId, role, org: role === 'reflector' ? 'fed' : role === 'partner' ? 'partnerx' : 'acme', state: 'established', routesReceived: 0, routesSent: 0, interests: []
    }))
    const sharing = new OutcomeSharing({
      libp2p: undefined as unknown as Libp2p,
      clock: { nowMs: () => 0 },
      logger: pino({ level: 'silent' }),
      peers: () => peers,
      record: async () => { recorded.set(site, (recorded.get(site) ?? 0) + 1); return true },
      write: async (to, message) => { wire.push({ from: site, to, message }) }
    }, { org: 'acme', site, maxPerS: 1000 })
    return [site, sharing]
  }))
  nodes.get(origin)?.offer(outcome)
  nodes.get(origin)?.flush()
  let outsideSent = 0
  let maxHops = 0
  for (let next = wire.shift(); next !== undefined; next = wire.shift()) {
    maxHops = Math.max(maxHops, next.message.hops)
    const to = nodes.get(next.to)
    const role = t.links.get(next.to)?.get(next.from)
    if (to === undefined || role === undefined) { outsideSent++; continue }
    await to.receive({ peerId: next.from, role }, next.message)
  }
  return { recorded, outsideSent, maxHops }
}

describe('outcome sharing over any internal topology of one org', () => {
  it('reaches every other site exactly once, never outside the org, within two relays', async () => {
    await fc.assert(fc.asyncProperty(topology, fc.nat(), async (t, pick) => {
      const origin = t.sites[pick % t.sites.length] ?? 's0'
      const { recorded, outsideSent, maxHops } = await share(t, origin)
      expect(outsideSent).toBe(0)
      expect(maxHops).toBeLessThanOrEqual(2)
      for (const site of t.sites) expect(recorded.get(site), `${site} (origin ${origin})`).toBe(site === origin ? 0 : 1)
    }), { numRuns })
  })
})
