// Discovery over Kad-DHT (/atp/kad/1.0.0) between real daemons: the client knows only
// a bootstrap address (rr1) and rr2's peer id. It listens nowhere, so rr2 cannot dial
// it: the session can only run over a connection the client opened, to an address of
// rr2 it found through the DHT.
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const discovery = { federation: 'itest', bootstrap: ['rr1'] }

const spec: FederationSpec = {
  sites: {
    rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', discovery, neighbors: { rr2: 'peer' } },
    rr2: { role: 'reflector', org: 'fed-ops', cluster: 'c2', discovery, neighbors: { rr1: 'peer', client: { role: 'client', addrs: false } } },
    client: {
      role: 'peer', org: 'client', discovery,
      neighbors: { rr2: { role: 'reflector', addrs: false } },
      agents: [{ id: 'found-me', capability: 'summarize' }],
      extra: { listen: [] }
    }
  }
}

describe('federation: a reflector found through the DHT', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('establishes the session with rr2 from its peer id alone, and routes flow', async () => {
    const client = fed.site('client')
    const config = JSON.parse(await readFile(client.configPath, 'utf8')) as {
      neighbors: { peer: string, addrs?: string[] }[], discovery: { bootstrap: string[] }
    }
    // The premise: no static address of rr2 anywhere in the client's config but the bootstrap of rr1.
    expect(config.neighbors).toEqual([expect.objectContaining({ peer: fed.site('rr2').peerId })])
    expect(config.neighbors[0]!.addrs).toBeUndefined()
    expect(config.discovery.bootstrap).toEqual([fed.site('rr1').multiaddr])

    // The three daemons start together: until the client reached rr1 and rr2 announced
    // itself there, a lookup finds nothing and is tried again within the dial's time; a
    // dial that still fails waits for the session's backoff. Generous for a loaded machine.
    const peers = await fed.waitEstablished('client', ['rr2'], { timeoutMs: 120_000 })
    expect(peers.find((p) => p.peerId === fed.site('rr2').peerId)?.state).toBe('established')
    await fed.waitEstablished('rr2', ['client'])

    // The client's route goes rr2 → rr1 (reflected: cluster list [c2], originator the client).
    const atRr1 = await fed.waitForRoute('rr1', (r) => r.agent === 'found-me')
    expect(atRr1.clusterList).toEqual(['c2'])
    expect(atRr1.originatorId).toBe(client.peerId)
    expect(atRr1.path).toEqual(['client'])
  }, 180_000)
})
