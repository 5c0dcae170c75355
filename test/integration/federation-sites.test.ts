// One org on three sites, real daemons over libp2p on 127.0.0.1: acme's eu and us sites
// are both clients of the federation's reflector with no session between them; ap sits
// behind an internal session to eu only. globex is another org behind the reflector,
// partnerx a partner of acme's eu site alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'
import { ApiError } from '../../daemon/launcher/federation-api.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

// A namespace of org acme: every site of acme is a member (ACLs name orgs); the
// federation's reflector relays it.
const NS = { id: 'acme-ops', members: ['acme'], writers: ['acme'] }
const memory = { memory: { namespaces: [NS] } }

const spec: FederationSpec = {
  sites: {
    rr: { role: 'reflector', org: 'fed', cluster: 'c1', neighbors: { eu: 'client', us: 'client', globex: 'client' }, extra: memory },
    eu: {
      role: 'peer', org: 'acme', neighbors: { rr: 'reflector', ap: 'site', px: 'partner' },
      agents: [{ id: 'rev-eu', capability: 'code-review' }], extra: { site: 'eu', ...memory }
    },
    us: {
      role: 'peer', org: 'acme', neighbors: { rr: 'reflector' },
      agents: [{ id: 'rev-us', capability: 'code-review' }], extra: { site: 'us', sitePreference: { eu: 10, ap: 20 }, ...memory }
    },
    ap: { role: 'peer', org: 'acme', neighbors: { eu: 'site' }, agents: [{ id: 'rev-ap', capability: 'code-review' }], extra: { site: 'ap', ...memory } },
    globex: { role: 'peer', org: 'globex', neighbors: { rr: 'reflector' }, agents: [{ id: 'lint', capability: 'code-review' }], extra: memory },
    px: { role: 'peer', org: 'partnerx', neighbors: { eu: 'partner' }, agents: [{ id: 'tr', capability: 'translate' }] }
  }
}

const ACME = ['acme/ap/rev-ap', 'acme/eu/rev-eu', 'acme/us/rev-us']
const originOf = (r: { org: string, site?: string, agent: string }): string => `${r.org}/${r.site ?? '?'}/${r.agent}`

describe('federation: several sites of one organization', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(Object.keys(spec.sites).map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('each site resolves the others\' agents, nearest site first where configured', async () => {
    // Every path the answers below list, globex's too: acme's own sites' routes can
    // arrive before globex's does through the reflector.
    const all = [...ACME, 'globex/globex/lint']
    for (const site of ['eu', 'us', 'ap']) {
      await fed.waitForRoutes(site, (rs) => all.every((a) => rs.some((r) => originOf(r) === a)), { what: `acme's three sites and globex at ${site}` })
    }
    const atUs = await fed.resolve('us', 'code-review')
    expect(atUs.candidates.map(originOf)).toEqual(['acme/us/rev-us', 'acme/eu/rev-eu', 'acme/ap/rev-ap', 'globex/globex/lint'])
    expect(atUs.candidates.slice(1).map((c) => c.reason)).toEqual(['nearest-site-first', 'nearest-site-first', 'nearest-site-first'])
    const atAp = await fed.resolve('ap', 'code-review')
    expect(atAp.candidates.map(originOf).sort()).toEqual([...ACME, 'globex/globex/lint'])
    const eusPeers = await fed.peers('eu')
    expect(eusPeers.find((p) => p.peerId === fed.site('ap').peerId)).toMatchObject({ org: 'acme', site: 'ap', role: 'site', state: 'established' })
  })

  it('another org sees all three as acme\'s paths, one org on the path', async () => {
    const atGlobex = await fed.waitForRoutes('globex', (rs) => rs.filter((r) => r.org === 'acme').length === 3, { what: 'acme\'s three paths at globex' })
    const acme = atGlobex.filter((r) => r.org === 'acme')
    expect(acme.map(originOf).sort()).toEqual(ACME)
    for (const r of acme) expect(r.path).toEqual(['acme'])
    expect(acme.find((r) => r.site === 'ap')?.sitePath).toEqual(['eu'])
  })

  it('a partner of one acme site gets what partners of acme get, no more', async () => {
    const atPx = await fed.waitForRoutes('px', (rs) => rs.filter((r) => r.org === 'acme').length === 3, { what: 'acme\'s three paths at px' })
    expect(atPx.map(originOf).sort()).toEqual([...ACME, 'partnerx/partnerx/tr'])
    // The partner's route reaches acme's sites, not the federation.
    await fed.waitForRoute('ap', (r) => r.agent === 'tr')
    expect((await fed.routes('globex')).filter((r) => r.org === 'partnerx')).toEqual([])
  })

  it('every site of a member org is a member of its memory namespace; other orgs are not', async () => {
    await fed.api('eu', `/v1/memory/${NS.id}/entries/runbook`, { method: 'PUT', body: { value: { owner: 'acme-eu' } } })
    for (const site of ['us', 'ap']) {
      const got = await waitFor(async () => await fed.api<{ value: unknown, org: string }>(site, `/v1/memory/${NS.id}/entries/runbook`).catch(() => undefined), { what: `acme's entry at ${site}` })
      expect(got).toMatchObject({ value: { owner: 'acme-eu' } })
    }
    const denied = await fed.api('globex', `/v1/memory/${NS.id}/entries/runbook`).catch((e: unknown) => e)
    expect(denied instanceof ApiError ? denied.status : denied).toBe(403)
  })
})
