// Loop prevention (RFC 4456 §8) with two redundant reflectors of the SAME cluster id
// (ra, rb: cluster c1) in a non-client session: a route reflected by one carries c1
// and is dropped by the other; a client never holds its own route learned back.
// p1 is a client of both reflectors, p3 of ra only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const spec: FederationSpec = {
  sites: {
    ra: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { rb: 'peer', p1: 'client', p3: 'client' } },
    rb: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { ra: 'peer', p1: 'client' } },
    p1: { role: 'peer', org: 'p1', neighbors: { ra: 'reflector', rb: 'reflector' } },
    p3: { role: 'peer', org: 'p3', neighbors: { ra: 'reflector' } }
  }
}

describe('federation: loop prevention with one cluster id on two reflectors', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(['ra', 'rb', 'p1', 'p3'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('drops routes carrying its own cluster id: nothing reflected comes back to cluster c1', async () => {
    await fed.putAgent('p1', { id: 'p1-agent', capability: 'summarize' })
    await fed.putAgent('p3', { id: 'p3-agent', capability: 'summarize' })
    // Positive control: rb received p3's route from ra (the only way it can) and dropped it.
    const dropped = await fed.waitForAudit('rb', (e) =>
      e.kind === 'route-rejected' && e.agent === 'p3-agent' && e.detail === 'cluster-list-loop' && e.peer === fed.site('ra').peerId)
    expect(dropped.org).toBe('p3')
    // ra too drops p1's route as reflected by rb.
    await fed.waitForAudit('ra', (e) => e.kind === 'route-rejected' && e.agent === 'p1-agent' && e.detail === 'cluster-list-loop')

    // rb holds p1's route only as p1 sent it, never p3's; neither reflector accepted anything from the other.
    const atRb = await fed.waitForRoute('rb', (r) => r.agent === 'p1-agent')
    expect(atRb.fromPeer).toBe(fed.site('p1').peerId)
    const rbRoutes = await fed.routes('rb')
    expect(rbRoutes.filter((r) => r.agent === 'p3-agent')).toEqual([])
    for (const site of ['ra', 'rb']) {
      const routes = await fed.routes(site)
      for (const r of routes) expect(r.clusterList).not.toContain('c1')
      const other = site === 'ra' ? 'rb' : 'ra'
      const session = (await fed.peers(site)).find((p) => p.peerId === fed.site(other).peerId)
      expect(session?.state).toBe('established')
      expect(session?.routesReceived).toBe(0)
    }
    const accepted = (await fed.auditEvents('rb')).filter((e) => e.kind === 'route-accepted' && e.peer === fed.site('ra').peerId)
    expect(accepted).toEqual([])
  })

  it('never gives a client its own route back', async () => {
    // Positive control through the same reflectors: p1 learns p3's route (reflected by ra, cluster list [c1]).
    const learned = await fed.waitForRoute('p1', (r) => r.agent === 'p3-agent')
    expect(learned.clusterList).toEqual(['c1'])
    expect(learned.originatorId).toBe(fed.site('p3').peerId)
    // A later route from p3, so anything in flight towards p1 has arrived by now.
    await fed.putAgent('p3', { id: 'p3-later', capability: 'summarize' })
    await fed.waitForRoute('p1', (r) => r.agent === 'p3-later')

    const own = (await fed.routes('p1')).filter((r) => r.agent === 'p1-agent')
    expect(own).toHaveLength(1)
    expect(own[0]!.fromPeer).toBe('')
    expect(own[0]!.clusterList).toEqual([])
    const backFromReflector = (await fed.auditEvents('p1')).filter((e) => e.kind === 'route-accepted' && e.agent === 'p1-agent')
    expect(backFromReflector).toEqual([])
    // And the reflectors say so too: nothing about p1-agent was ever sent back to p1.
    for (const rr of ['ra', 'rb']) {
      const toP1 = (await fed.peers(rr)).find((p) => p.peerId === fed.site('p1').peerId)
      expect(toP1?.routesSent).toBe(rr === 'ra' ? 2 : 0) // ra: p3-agent and p3-later; rb has nothing p1 lacks
    }
  })
})
