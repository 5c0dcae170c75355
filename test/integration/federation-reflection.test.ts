// Three orgs and two route reflectors in different clusters (rr1: c1, rr2: c2), every
// org a client of both, the reflectors a non-client pair (RFC 4456 §6). Real atpd
// processes over libp2p on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, LONG_TEST_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import { routeKey, type RouteJson } from '../../daemon/launcher/federation-api.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const spec: FederationSpec = {
  restartTimeS: 4,
  sites: {
    rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { rr2: 'peer', acme: 'client', globex: 'client', initech: 'client' } },
    rr2: { role: 'reflector', org: 'fed-ops', cluster: 'c2', neighbors: { rr1: 'peer', acme: 'client', globex: 'client', initech: 'client' } },
    acme: {
      role: 'peer', org: 'acme', neighbors: { rr1: 'reflector', rr2: 'reflector' },
      agents: [{ id: 'reviewer-go', capability: 'code-review/go', costUsd: 0.3 }]
    },
    globex: {
      role: 'peer', org: 'globex', neighbors: { rr1: 'reflector', rr2: 'reflector' },
      agents: [{ id: 'summarizer', capability: 'summarize', costUsd: 0.05 }, { id: 'cheap-reviewer', capability: 'code-review/python', costUsd: 0.1 }]
    },
    initech: { role: 'peer', org: 'initech', neighbors: { rr1: 'reflector', rr2: 'reflector' } }
  }
}

/** The path ids a view holds, sorted, duplicates kept (a duplicate is a failure). */
function keys (routes: readonly RouteJson[]): string[] {
  return routes.map(routeKey).sort()
}

describe('federation: three orgs, two reflectors', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(['rr1', 'rr2', 'acme', 'globex', 'initech'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('resolves a route registered at acme at initech with RFC 4456 attributes, once', async () => {
    await fed.putAgent('acme', { id: 'reviewer-1', capability: 'code-review/python', costUsd: 0.4 })
    const acme = fed.site('acme')
    // Both reflectors must have passed it on before "once" means anything.
    await fed.waitForRoute('rr1', (r) => r.agent === 'reviewer-1')
    await fed.waitForRoute('rr2', (r) => r.agent === 'reviewer-1')
    // initech receives a copy from each reflector: acme's two routes and globex's two.
    const rr1Id = fed.site('rr1').peerId
    const rr2Id = fed.site('rr2').peerId
    await waitFor(async () => {
      const ps = await fed.peers('initech')
      return ps.filter((p) => p.peerId === rr1Id || p.peerId === rr2Id).every((p) => p.routesReceived === 4)
    }, { what: 'a copy of every route from both reflectors at initech' })
    // Best copy: one reflection (cluster list of length 1), whichever reflector won.
    await fed.waitForRoute('initech', (r) => r.agent === 'reviewer-1' && r.clusterList.length === 1)

    const resolved = await fed.resolve('initech', 'code-review/python')
    expect(resolved.capability).toBe('code-review/python')
    const mine = resolved.candidates.filter((c) => c.org === 'acme' && c.agent === 'reviewer-1')
    expect(mine).toHaveLength(1)
    const c = mine[0]!
    expect(c.path).toEqual(['acme'])
    expect(c.originatorId).toBe(acme.peerId)
    const via = c.fromPeer === rr1Id ? 'c1' : 'c2'
    expect(c.clusterList).toEqual([via])
    expect(c.costUsd).toBe(0.4)
    // globex's python reviewer is a candidate too: resolve ranks every org's paths.
    expect(resolved.candidates.map((x) => `${x.org}/${x.agent}`).sort()).toEqual(['acme/reviewer-1', 'globex/cheap-reviewer'])

    const atInitech = (await fed.routes('initech')).filter((r) => r.org === 'acme' && r.agent === 'reviewer-1')
    expect(atInitech).toHaveLength(1)
    // The reflector holds it as its client sent it: org path [acme], no cluster list yet.
    const atRr1 = (await fed.routes('rr1')).filter((r) => r.agent === 'reviewer-1')
    expect(atRr1).toHaveLength(1)
    expect(atRr1[0]!.path).toEqual(['acme'])
    expect(atRr1[0]!.clusterList).not.toContain('c1')
  })

  it('keeps routes resolvable through rr2 when rr1 dies, and rr1 relearns everything after a restart', async () => {
    const all = ['code-review/go|acme|reviewer-go', 'code-review/python|acme|reviewer-1', 'code-review/python|globex|cheap-reviewer', 'summarize|globex|summarizer']
    const before = keys(await fed.waitForRoutes('rr1', (rs) => keys(rs).join() === [...all].sort().join(), { what: 'every route at rr1' }))
    expect(before).toEqual([...all].sort())
    const rr2 = fed.site('rr2').peerId

    await fed.kill('rr1')
    // Every route at initech now comes through rr2 (fresh, usable), each exactly once.
    const viaRr2 = await fed.waitForRoutes('initech', (rs) =>
      keys(rs).join() === [...all].sort().join() && rs.every((r) => r.fromPeer === rr2 && r.state === 'active'),
    { what: 'all routes via rr2' })
    for (const r of viaRr2) expect(r.clusterList).toEqual(['c2'])
    expect((await fed.resolve('initech', 'summarize')).candidates.map((c) => c.agent)).toEqual(['summarizer'])
    expect((await fed.resolve('initech', 'code-review/go')).candidates.map((c) => c.agent)).toEqual(['reviewer-go'])

    // While rr1 is down the federation changes: a route is born, another withdrawn.
    // rr1 can learn both only from the federation (its store has the old picture).
    await fed.putAgent('globex', { id: 'late-summarizer', capability: 'summarize', costUsd: 0.07 })
    await fed.deleteAgent('acme', 'reviewer-go')
    await fed.waitForRoutes('initech', (rs) => rs.some((r) => r.agent === 'late-summarizer') && !rs.some((r) => r.agent === 'reviewer-go'), {
      what: 'late-summarizer in, reviewer-go out'
    })

    await fed.restart('rr1')
    await fed.waitEstablished('rr1')
    const expected = [...all.filter((k) => !k.endsWith('|reviewer-go')), 'summarize|globex|late-summarizer'].sort()
    const after = await fed.waitForRoutes('rr1', (rs) => keys(rs).join() === expected.join() && rs.every((r) => r.state === 'active'), {
      what: 'rr1 relearned every route, none stale, the withdrawn one gone', timeoutMs: 30_000
    })
    expect(keys(after)).toEqual(keys(await fed.routes('rr2')))
    for (const r of after) expect(r.path).toEqual([r.org])
    // Nothing duplicated in its Adj-RIBs-In either: each client's routes once, and rr2's reflections of them.
    const received = Object.fromEntries((await fed.peers('rr1')).map((p) => [p.org === 'fed-ops' ? 'rr2' : p.org, p.routesReceived]))
    expect(received).toEqual({ rr2: 4, acme: 1, globex: 3, initech: 0 })
    // And the clients see each path once, with a copy from each reflector again.
    const atInitech = await fed.waitForRoutes('initech', (rs) => keys(rs).join() === expected.join(), { what: 'each path once at initech' })
    expect(new Set(keys(atInitech)).size).toBe(atInitech.length)
    await waitFor(async () => (await fed.peers('initech')).every((p) => p.routesReceived === 4), { what: 'initech: 4 routes from each reflector' })
  }, LONG_TEST_TIMEOUT_MS)
})
