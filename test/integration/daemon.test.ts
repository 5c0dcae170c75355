// Two real atpd processes (partners) over real libp2p on 127.0.0.1: sessions, routes
// through the API, withdraw, bad input, a frozen peer, an unconfigured peer, restart.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { CeaseSubcode, NotificationCode } from '../../agp/codec/frame.ts'
import { verifyAuditLog } from '../../daemon/audit/verify.ts'
import {
  cleanupSites, connect, peerState, prepareSites, routesAt, waitEstablished, type AtpdProcess
} from '../../daemon/launcher/atpd-process.ts'
import { sampleAgent } from '../helpers/fixtures.ts'
import { startAgpWirePeer } from '../helpers/agp-wire-peer.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

async function runAtp (args: string[]): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, ['bin/atp.js', ...args], { cwd: resolve(import.meta.dirname, '..', '..') })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
  const code = await new Promise<number | null>((res) => { child.on('close', (c) => { res(c) }) })
  return { code, output }
}

describe('atpd daemons over libp2p', () => {
  let a: AtpdProcess, b: AtpdProcess

  beforeAll(async () => {
    [a, b] = await prepareSites([{ org: 'acme' }, { org: 'beta' }]) as [AtpdProcess, AtpdProcess]
    connect(a, b, 'partner', 'partner')
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => { await cleanupSites([a, b]) })

  it('establishes the session on both sides', async () => {
    await waitEstablished(a, b)
    await waitEstablished(b, a)
    const peers = await a.api<{ peers: { establishedAtMs?: number, addresses?: string[] }[] }>('GET', '/v1/peers')
    expect(peers.body.peers[0]?.establishedAtMs).toBeLessThanOrEqual(Date.now())
    expect(peers.body.peers[0]?.addresses?.[0]).toMatch(/^\/ip4\/127\.0\.0\.1\//)
    const health = await a.api<{ ok: boolean, org: string, peerId: string, role: string }>('GET', '/v1/health')
    expect(health.body).toMatchObject({ ok: true, org: 'acme', peerId: a.peerId, role: 'peer' })
  })

  it('propagates an agent registered through the API, signed by its origin', async () => {
    const put = await a.api('PUT', '/v1/agents/reviewer-1', sampleAgent())
    expect(put.status).toBe(201)
    const route = await waitFor(async () => (await routesAt(b, 'code-review')).find((r) => r.agent === 'reviewer-1'), { what: 'route at beta' })
    expect(route).toMatchObject({ capability: 'code-review/python', org: 'acme', path: ['acme'], originPeerId: a.peerId, fromPeer: a.peerId })
    // Usable and active: beta verified acme's ed25519 signature (a bad one is treated as withdraw).
    expect(route.usable).toBe(true)
    expect(route.state).toBe('active')
    const resolved = await b.api<{ capability: string, candidates: { agent: string }[] }>('GET', '/v1/resolve?capability=code-review/python/security')
    expect(resolved.status).toBe(200)
    expect(resolved.body.capability).toBe('code-review/python')
    expect(resolved.body.candidates.map((c) => c.agent)).toContain('reviewer-1')
  })

  it('withdraws the route when the agent is removed', async () => {
    await a.api('PUT', '/v1/agents/summarizer', sampleAgent({ capability: 'summarize' }))
    await waitFor(async () => (await routesAt(b, 'summarize')).length === 1, { what: 'summarize at beta' })
    expect((await a.api('DELETE', '/v1/agents/summarizer')).status).toBeLessThan(300)
    await waitFor(async () => (await routesAt(b, 'summarize')).length === 0, { what: 'summarize withdrawn at beta' })
    expect((await routesAt(b, 'code-review')).map((r) => r.agent)).toEqual(['reviewer-1'])
  })

  it('answers bad API input with 400 and a message, and stays up', async () => {
    const bad = await a.api<{ message: string }>('PUT', '/v1/agents/x1', { capability: 'NOT A CAPABILITY', costUsd: -1 })
    expect(bad.status).toBe(400)
    expect(bad.body.message.length).toBeGreaterThan(0)
    const notJson = await a.api('PUT', '/v1/agents/x2', '{"capability":')
    expect(notJson.status).toBe(400)
    const badQuery = await a.api('GET', '/v1/resolve?capability=x&limit=-5')
    expect(badQuery.status).toBe(400)
    expect((await a.api<{ ok: boolean }>('GET', '/v1/health')).body.ok).toBe(true)
    expect(await peerState(a, b.peerId)).toBe('established')
  })

  it('refuses an unconfigured peer with NOTIFICATION cease/connection-rejected', async () => {
    // The wire peer's FrameChannel listens in the same tick the dial resolves and replays
    // what arrived before (frames buffered, a close that came first): nothing the daemon
    // sent can slip between the dial and the listener.
    const stranger = await startAgpWirePeer(mkdtempSync(join(a.dataDir, '..', 'stranger-')), { org: 'stranger' })
    try {
      const s = await stranger.dial(a.peerId, a.addr)
      const n = await s.next('notification')
      expect(n).toMatchObject({ code: NotificationCode.Cease, subcode: CeaseSubcode.ConnectionRejected })
      await s.closed()
      expect(s.frames).toHaveLength(1)
      // And the connection goes too: a stranger keeps nothing open at acme.
      await waitFor(() => stranger.node.getConnections(peerIdFromString(a.peerId)).length === 0, { what: 'acme to close the connection', timeoutMs: 20_000 })
    } finally {
      await stranger.stop()
    }
    // The daemon is unaffected.
    expect(await peerState(a, b.peerId)).toBe('established')
  })

  it('drops a frozen peer at hold-time expiry and reconnects once it thaws', async () => {
    b.freeze()
    try {
      // holdTimeS is 3 in the test configs: down well before any TCP timeout would notice.
      await waitFor(async () => (await peerState(a, b.peerId)) !== 'established', { what: 'acme drops frozen beta', timeoutMs: 10_000 })
      const peers = await a.api<{ peers: { lastError?: string }[] }>('GET', '/v1/peers')
      expect(peers.body.peers[0]?.lastError ?? '').toMatch(/hold/i)
    } finally {
      b.thaw()
    }
    await waitEstablished(a, b, 30_000)
    await waitEstablished(b, a, 30_000)
    await waitFor(async () => (await routesAt(b, 'code-review')).some((r) => r.agent === 'reviewer-1' && r.state === 'active'), { what: 'route back at beta' })
  })

  it('keeps agents and the audit log across a restart', async () => {
    expect(await a.stop()).toBe(0)
    const before = await verifyAuditLog(a.dataDir)
    expect(before.ok).toBe(true)
    expect(before.records).toBeGreaterThan(0)
    await a.start()
    const agents = await a.api<{ agents: { id: string }[] }>('GET', '/v1/agents')
    expect(agents.body.agents.map((x) => x.id)).toEqual(['reviewer-1'])
    await waitEstablished(a, b)
    await waitFor(async () => (await routesAt(b, 'code-review')).some((r) => r.agent === 'reviewer-1' && r.state === 'active'), { what: 'route at beta after restart' })
    // The restarted daemon chains new records onto the old ones (written in batches: wait for them).
    const after = await waitFor(async () => { const r = await verifyAuditLog(a.dataDir); return r.records > before.records && r }, { what: 'new audit records' })
    expect(after.ok).toBe(true)
    // The same check through the CLI, while the daemon runs.
    const cli = await runAtp(['audit', 'verify', '--data-dir', a.dataDir])
    expect(cli.code).toBe(0)
    expect(cli.output).toMatch(/^ok: \d+ records/)
  })
})
