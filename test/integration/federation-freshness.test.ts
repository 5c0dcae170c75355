// Freshness over real daemons: an origin of 16 agents keeps them fresh at a client two
// hops away by batch refresh alone (one signed refresh per batch, no route advertised
// again), past several times maxAgeS. Short timers keep it within seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, LONG_TEST_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const freshness = { refreshS: 1, staleS: 3, maxAgeS: 6 }
const AGENTS = 16
const agents = Array.from({ length: AGENTS }, (_, i) => ({ id: `agent-${i}`, capability: `review/lang-${i % 4}` }))

const spec: FederationSpec = {
  sites: {
    rr: { role: 'reflector', org: 'fed-ops', cluster: 'c1', freshness, neighbors: { origin: 'client', observer: 'client' } },
    origin: { role: 'peer', org: 'origin', freshness, agents, neighbors: { rr: 'reflector' } },
    observer: { role: 'peer', org: 'observer', freshness, neighbors: { rr: 'reflector' } }
  }
}

async function metric (fed: Federation, site: string, name: string): Promise<number> {
  const text = await (await fetch(`${fed.site(site).apiUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? NaN : Number(line.slice(name.length + 1))
}

describe('federation: freshness by batch refresh', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(['rr', 'origin', 'observer'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('keeps every route fresh two hops away long past maxAgeS, the same advertisements restamped', async () => {
    const first = await fed.waitForRoutes('observer', (rs) => rs.filter((r) => r.org === 'origin').length === AGENTS, { what: 'all routes at the observer' })
    const seqs = new Map(first.map((r) => [r.agent, r.originSeq]))
    // Twice maxAgeS: a route not refreshed would be stale after 3 s and gone after 6 s.
    await new Promise((resolve) => setTimeout(resolve, 2 * freshness.maxAgeS * 1000))
    const routes = (await fed.routes('observer')).filter((r) => r.org === 'origin')
    expect(routes).toHaveLength(AGENTS)
    for (const r of routes) {
      expect(r.state).toBe('active')
      // The advertisement the observer first got, its own time now older than maxAgeS:
      // only the refresh time (served by the API) keeps it fresh.
      expect(r.originSeq).toBe(seqs.get(r.agent))
      expect(Date.now() - Date.parse(r.originatedAt ?? '')).toBeGreaterThan(freshness.maxAgeS * 1000)
      expect(Date.now() - Date.parse(r.refreshedAt ?? '')).toBeLessThan(freshness.staleS * 1000)
    }
    expect(await metric(fed, 'observer', 'atpd_routes{state="active"}')).toBe(AGENTS)
    expect(await metric(fed, 'observer', 'atpd_routes{state="stale"}')).toBe(0)
    expect(await metric(fed, 'observer', 'atpd_batch_refresh_routes_total')).toBeGreaterThan(AGENTS)
    expect(await metric(fed, 'rr', 'atpd_batch_refresh_routes_total')).toBeGreaterThan(AGENTS)
    expect(await metric(fed, 'origin', 'atpd_batch_refreshes_total{direction="originated"}')).toBeGreaterThan(1)
  }, LONG_TEST_TIMEOUT_MS)
})
