import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const CLIENTS = [
  { peerId: 'pa', org: 'a', reflectors: ['rr1'] },
  { peerId: 'pb', org: 'b', reflectors: ['rr1', 'rr2'] },
  { peerId: 'pc', org: 'c', reflectors: ['rr2'] },
  { peerId: 'pd', org: 'd', reflectors: ['rr1', 'rr2'] }
]
const CAPS = ['code-review', 'code-review/python', 'summarize']

interface Ad { owner: number, id: string, capability: string, costUsd: number, delayMs: number }

/** Two reflectors in different clusters, peered; four clients, two of them dual-homed. */
function build (): SpeakerHarness {
  const h = new SpeakerHarness({ wire: false })
  for (const c of CLIENTS) {
    h.add({ peerId: c.peerId, org: c.org, neighbors: c.reflectors.map((r) => ({ peerId: r, org: 'rr', role: 'reflector' as const })) })
  }
  for (const [rr, cluster, other] of [['rr1', 'c1', 'rr2'], ['rr2', 'c2', 'rr1']] as const) {
    h.add({
      peerId: rr, org: 'rr', role: 'reflector', cluster,
      neighbors: [
        ...CLIENTS.filter((c) => c.reflectors.includes(rr)).map((c) => ({ peerId: c.peerId, org: c.org, role: 'client' as const })),
        { peerId: other, org: 'rr', role: 'peer' as const }
      ]
    })
  }
  h.startAll()
  h.runFor(1000)
  return h
}

function finalTables (ads: readonly Ad[]): Record<string, string[]> {
  const h = build()
  const t0 = h.nowMs
  // Announce in the given order, each after its own delay.
  const timeline = ads.map((ad, i) => ({ ad, at: t0 + ad.delayMs, i })).sort((x, y) => x.at - y.at || x.i - y.i)
  for (const { ad, at } of timeline) {
    h.runUntil(at)
    const owner = CLIENTS[ad.owner]
    if (owner !== undefined) h.input(owner.peerId, { type: 'agent-upsert', agent: agent(ad.id, ad.capability, { costUsd: ad.costUsd }) })
  }
  h.runFor(5000)
  const out: Record<string, string[]> = {}
  for (const [id, s] of h.speakers) {
    out[id] = s.routes(h.nowMs).map((v) => [
      v.route.attrs.capability, `${v.route.attrs.originOrg}/${v.route.attrs.agentId}`, v.fromPeer, v.state, v.best,
      v.route.attrs.costUsd, v.route.orgPath.join(','), v.route.clusterList.join(','), v.route.originatorId
    ].join(' '))
  }
  return out
}

const adArb = fc.record({
  owner: fc.integer({ min: 0, max: CLIENTS.length - 1 }),
  id: fc.constantFrom('x', 'y', 'z'),
  capability: fc.constantFrom(...CAPS),
  costUsd: fc.constantFrom(0.1, 0.4, 0.9, 2),
  delayMs: fc.integer({ min: 0, max: 40 })
})

describe('property: reflection does not depend on arrival order', () => {
  it('every node ends with the same Loc-RIB whatever the order and timing of announcements', () => {
    fc.assert(fc.property(
      fc.uniqueArray(adArb, { minLength: 1, maxLength: 8, selector: (a) => `${a.owner}/${a.id}` }),
      fc.func(fc.integer()),
      (ads, keyOf) => {
        const reference = finalTables(ads.map((a) => ({ ...a, delayMs: 0 })))
        const shuffled = ads.map((a, i) => ({ a, k: keyOf(i) })).sort((x, y) => x.k - y.k).map((x) => x.a)
        expect(finalTables(shuffled)).toEqual(reference)
        // Every node holds every advertised path (all paths are reflected).
        for (const table of Object.values(reference)) expect(table).toHaveLength(ads.length)
      }
    ), { numRuns: Number(process.env.FUZZ_RUNS ?? 100) })
  })
})
