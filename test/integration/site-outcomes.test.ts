// Outcome sharing between the sites of one org, real daemons over libp2p on 127.0.0.1:
// acme's eu and ap sites share outcomes over their internal session (both opted in);
// acme's us site has an internal session to eu but did not opt in; globex, another org
// behind the federation's reflector, serves the translate agents the outcomes are about.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { AtpApiClient } from '../../daemon/api/client.ts'

const sharing = { outcomeSharing: { enabled: true, maxPerS: 20 } }

const spec: FederationSpec = {
  sites: {
    rr: { role: 'reflector', org: 'fed', cluster: 'c1', neighbors: { eu: 'client', globex: 'client' } },
    eu: { role: 'peer', org: 'acme', neighbors: { rr: 'reflector', ap: 'site', us: 'site' }, extra: { site: 'eu', ...sharing } },
    // ap wants translate only: it never learns globex's summarize path.
    ap: { role: 'peer', org: 'acme', neighbors: { eu: 'site' }, extra: { site: 'ap', interests: ['translate'], ...sharing } },
    us: { role: 'peer', org: 'acme', neighbors: { eu: 'site' }, extra: { site: 'us' } },
    globex: {
      role: 'peer', org: 'globex', neighbors: { rr: 'reflector' }, extra: sharing,
      agents: [{ id: 't1', capability: 'translate' }, { id: 't2', capability: 'translate' }, { id: 's1', capability: 'summarize' }]
    }
  }
}

interface OutcomeJson { org: string, agent: string, wins: number, trials: number }

describe('outcomes shared between the sites of one organization', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(Object.keys(spec.sites).map(async (s) => await fed.waitEstablished(s)))
    for (const site of ['eu', 'ap', 'us']) {
      await fed.waitForRoutes(site, (rs) => rs.filter((r) => r.capability === 'translate').length === 2, { what: `both translate agents at ${site}` })
    }
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  const outcomes = async (site: string): Promise<OutcomeJson[]> => (await fed.api<{ outcomes: OutcomeJson[] }>(site, '/v1/outcomes')).outcomes

  it('failures recorded at eu reach ap over the internal session and move ap\'s resolve ranking', async () => {
    const before = (await fed.resolve('ap', 'translate')).candidates.map((c) => c.agent)
    const first = before[0] ?? ''
    expect(before).toHaveLength(2)
    for (let i = 0; i < 6; i++) {
      await fed.api('eu', '/v1/outcomes', { method: 'POST', body: { org: 'globex', agent: first, capability: 'translate', success: false, latencyMs: 900 } })
    }
    // Evidence decays (half-life): six trials read a little under 6 a moment later.
    const shared = await waitFor(async () => (await outcomes('ap')).find((o) => o.agent === first && o.trials > 5.5), { what: 'eu\'s outcomes at ap' })
    expect(shared).toMatchObject({ org: 'globex', wins: 0 })
    const after = (await fed.resolve('ap', 'translate')).candidates.map((c) => c.agent)
    expect(after[0]).not.toBe(first)
  })

  it('a site that did not opt in takes nothing; another org gets nothing', async () => {
    await fed.api('eu', '/v1/outcomes', { method: 'POST', body: { org: 'globex', agent: 't2', capability: 'translate', success: true } })
    await waitFor(async () => (await outcomes('ap')).some((o) => o.agent === 't2'), { what: 'the t2 outcome at ap' })
    expect(await outcomes('us')).toEqual([])
    expect(await outcomes('globex')).toEqual([])
    expect(await outcomes('rr')).toEqual([])
  })

  it('shared outcomes meet the rule of POST /v1/outcomes: a path ap does not know is not recorded there', async () => {
    await fed.waitForRoute('eu', (r) => r.agent === 's1')
    await fed.api('eu', '/v1/outcomes', { method: 'POST', body: { org: 'globex', agent: 's1', capability: 'summarize', success: true } })
    const metrics = async (): Promise<string> => await new AtpApiClient({ baseUrl: fed.site('ap').apiUrl }).metrics()
    await waitFor(async () => /atpd_site_outcomes_total\{direction="in",result="unknown-path"\} 1/.test(await metrics()), { what: 'the unknown path counted at ap' })
    expect(await metrics()).toMatch(/atpd_site_outcomes_total\{direction="in",result="applied"\} 7/)
    expect((await outcomes('ap')).map((o) => o.agent).sort()).toEqual(['t1', 't2'])
  })
})
