/**
 * SIGHUP applies the neighbor list live on a real atpd: a neighbor added to the file
 * gets a session, its routes and memory sync, a removed one is shut down and its routes
 * go, and the session that stayed in the file is never reset (same establishedAtMs
 * throughout).
 */
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import {
  addNeighbor, cleanupSites, prepareSites, routesAt, waitEstablished, type AtpdProcess, type PeerJson
} from '../../daemon/launcher/atpd-process.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { agentFields } from '../helpers/fixtures.ts'

describe('SIGHUP: neighbors applied live', () => {
  const sites: AtpdProcess[] = []
  afterAll(async () => { await cleanupSites(sites) })

  async function establishedAt (site: AtpdProcess, peer: AtpdProcess): Promise<number | undefined> {
    const r = await site.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
    return r.body.peers.find((p) => p.peerId === peer.peerId)?.establishedAtMs
  }

  async function capabilitiesAt (site: AtpdProcess): Promise<string[]> {
    return (await routesAt(site)).map((r) => r.capability).sort()
  }

  async function reload (site: AtpdProcess): Promise<void> {
    const before = site.logs.split('config reloaded').length
    writeFileSync(site.configPath, JSON.stringify(site.config))
    process.kill(site.pid ?? 0, 'SIGHUP')
    await waitFor(() => site.logs.split('config reloaded').length > before, { ...WAIT, what: `${site.org} reload log line` })
  }

  // Three daemons on a shared machine: generous waits, each bounded.
  const WAIT = { timeoutMs: 45_000 }

  it('adds and removes sessions without a restart; the session that stayed is untouched', { timeout: 180_000 }, async () => {
    const memory = { namespaces: [{ id: 'shared', members: ['hub', 'added'], writers: ['added'] }] }
    const [hub, kept, added] = await prepareSites([
      { org: 'hub', config: { mraiMs: 50, memory } },
      { org: 'kept', config: { mraiMs: 50, agents: [{ id: 'k1', ...agentFields({ capability: 'summarize' }) }] } },
      { org: 'added', config: { mraiMs: 50, memory, agents: [{ id: 'a1', ...agentFields({ capability: 'translate' }) }] } }
    ])
    if (hub === undefined || kept === undefined || added === undefined) throw new Error('no sites')
    sites.push(hub, kept, added)
    addNeighbor(hub, kept, 'partner')
    addNeighbor(kept, hub, 'partner')
    addNeighbor(added, hub, 'partner')
    await Promise.all([hub.start(), kept.start(), added.start()])
    await waitEstablished(hub, kept, WAIT.timeoutMs)
    const keptSince = await establishedAt(hub, kept)
    await waitFor(async () => (await capabilitiesAt(hub)).includes('summarize'), { ...WAIT, what: 'hub learns summarize' })
    expect(await capabilitiesAt(hub)).toEqual(['summarize'])

    addNeighbor(hub, added, 'partner')
    await reload(hub)
    expect(hub.logs).toContain(`"neighborsAdded":["${added.peerId}"]`)
    expect(hub.logs).not.toMatch(/take effect only after a restart: [^"]*neighbors/)
    await waitEstablished(hub, added, WAIT.timeoutMs)
    await waitFor(async () => (await capabilitiesAt(hub)).includes('translate'), { ...WAIT, what: 'hub learns translate from the added neighbor' })
    const put = await added.api('PUT', '/v1/memory/shared/entries/note', { value: { from: 'added' } })
    expect(put.status).toBe(200)
    await waitFor(async () => (await hub.api('GET', '/v1/memory/shared/entries/note')).status === 200, { ...WAIT, what: 'memory synced from the added neighbor' })

    hub.config.neighbors = (hub.config.neighbors as Array<{ peer: string }>).filter((n) => n.peer !== added.peerId)
    await reload(hub)
    expect(hub.logs).toContain(`"neighborsRemoved":["${added.peerId}"]`)
    await waitFor(async () => (await capabilitiesAt(hub)).join() === 'summarize', { ...WAIT, what: 'the removed neighbor\'s routes withdrawn' })
    const peers = await hub.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
    expect(peers.body.peers.map((p) => p.peerId)).toEqual([kept.peerId])
    // The removed neighbor was told why (NOTIFICATION cease, peer de-configured).
    await waitFor(async () => {
      const r = await added.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
      const p = r.body.peers.find((x) => x.peerId === hub.peerId)
      return p?.state !== 'established' && (p?.lastError ?? '').includes('neighbor removed from the config')
    }, { ...WAIT, what: 'the removed neighbor told why' })

    expect(await establishedAt(hub, kept)).toBe(keptSince)
    expect(hub.running).toBe(true)
  })
})
