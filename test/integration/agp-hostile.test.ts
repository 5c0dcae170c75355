// Hostile AGP peers against a real atpd ("bad input gets a clear error and
// loses nothing; never crash the daemon on a peer's bytes"). acme is a reflector
// (cluster c1); beta, a real atpd, is its honest client and originates the control
// route. The test holds two configured identities and speaks /agp/1.0.0 by hand:
// globex, a non-client reflector peer (maxRoutes 20; its id sorts below acme's, so acme
// waits for it to dial), and initech, a client that floods. Every case checks that
// acme stays up, beta's route still resolves, and the counter or audit event moved.
import { readFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Frame, NotificationFrame } from '../../agp/codec/frame.ts'
import { agp } from '../../agp/proto/gen/agp.js'
import type { Route } from '../../agp/route/route.ts'
import type { AuditRecord } from '../../daemon/audit/record.ts'
import {
  cleanupSites, connect, peerState, prepareSites, routesAt, waitEstablished,
  type AtpdProcess, type PeerJson
} from '../../daemon/launcher/atpd-process.ts'
import { sampleAgent } from '../helpers/fixtures.ts'
import { identityBelow, startAgpWirePeer, type AgpWirePeer, type AgpWireSession } from '../helpers/agp-wire-peer.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const CONTROL = 'control/echo'
/** What globex must announce to acme, which has it configured as a (reflector) peer. */
const AS_REFLECTOR = { role: 'reflector', cluster: 'c2' } as const
const RSS_LIMIT_KB = 500 * 1024
const FLOOD_FRAMES = 5000
/** UPDATEs the other neighbors may send while the flood is counted (a refresh of theirs). */
const OTHER_UPDATES_SLACK = 100

describe('agp: hostile peers over /agp/1.0.0', () => {
  let root: string
  let acme: AtpdProcess
  let beta: AtpdProcess
  let globex: AgpWirePeer
  let initech: AgpWirePeer

  const metric = async (name: string): Promise<number> => {
    const text = String((await acme.api<string>('GET', '/metrics')).body)
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    return line === undefined ? 0 : Number(line.split(' ')[1])
  }
  const audit = (): AuditRecord['event'][] => {
    let text = ''
    try { text = readFileSync(join(acme.dataDir, 'audit.log'), 'utf8') } catch { return [] }
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as AuditRecord).event)
  }
  const peer = async (wire: AgpWirePeer): Promise<PeerJson> => {
    const r = await acme.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
    const p = r.body.peers.find((x) => x.peerId === wire.peerId)
    if (p === undefined) throw new Error(`acme does not list ${wire.org}`)
    return p
  }
  const routesOf = async (org: string, capability?: string): Promise<string[]> =>
    (await routesAt(acme, capability)).filter((r) => r.org === org).map((r) => `${r.agent}:${r.state}`).sort()

  /** acme alive, healthy, and beta's control route still resolves to beta. */
  const expectIntact = async (): Promise<void> => {
    expect(acme.running).toBe(true)
    expect(beta.running).toBe(true)
    expect((await acme.api<{ ok: boolean }>('GET', '/v1/health')).body.ok).toBe(true)
    const r = await acme.api<{ candidates: { org: string, agent: string, costUsd: number }[] }>('GET', `/v1/resolve?capability=${CONTROL}`)
    expect(r.status).toBe(200)
    expect(r.body.candidates).toEqual([expect.objectContaining({ org: 'beta', agent: 'ctl', costUsd: 0.4 })])
  }

  /** A fresh stream from globex; acme (passive) answers with its OPEN at once. */
  const dialGlobex = async (): Promise<AgpWireSession> => {
    await waitFor(async () => (await peer(globex)).state === 'idle', { what: 'acme idle towards globex' })
    const s = await globex.dial(acme.peerId, acme.addr)
    await s.next('open')
    return s
  }
  /** Sends, then expects exactly this NOTIFICATION and the stream closed by acme. */
  const expectNotified = async (s: AgpWireSession, send: () => void, code: number, subcode: number): Promise<NotificationFrame> => {
    send()
    const n = await s.next('notification')
    expect({ code: n.code, subcode: n.subcode }, n.text).toEqual({ code, subcode })
    expect(n.text).not.toBe('')
    await s.closed()
    return n
  }
  const update = (announces: Route[]): Frame => ({ type: 'update', announces, withdraws: [] })
  const forge = (r: Route): Route => {
    const signature = Uint8Array.from(r.signature)
    signature[7] = (signature[7] ?? 0) ^ 0x5a
    return { ...r, signature }
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'atp-agp-hostile-'))
    ;[acme, beta] = await prepareSites([
      { org: 'acme', role: 'reflector', config: { cluster: 'c1' } },
      { org: 'beta', config: { agents: [{ id: 'ctl', ...sampleAgent({ capability: CONTROL }) }] } }
    ]) as [AtpdProcess, AtpdProcess]
    connect(acme, beta, 'client', 'reflector')
    globex = await startAgpWirePeer(await identityBelow(root, acme.peerId), { org: 'globex' })
    initech = await startAgpWirePeer(mkdtempSync(join(root, 'initech-')), { org: 'initech' })
    const neighbors = acme.config.neighbors as Record<string, unknown>[]
    neighbors.push({ peer: globex.peerId, addrs: [globex.addr], org: 'globex', role: 'peer', maxRoutes: 20 })
    neighbors.push({ peer: initech.peerId, addrs: [initech.addr], org: 'initech', role: 'client' })
    await Promise.all([acme.start(), beta.start()])
    await waitEstablished(beta, acme)
    await waitFor(async () => (await routesOf('beta', CONTROL)).length === 1, { what: 'control route at acme' })
    await expectIntact()
  })

  afterAll(async () => {
    await cleanupSites([acme, beta])
    await Promise.all([globex?.stop(), initech?.stop()])
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  })

  it('a) garbage and a bad version: NOTIFICATION 1/1 and 1/4, closed; a valid OPEN then establishes', async () => {
    const errors = await metric('atpd_decode_errors_total')
    let s = await dialGlobex()
    await expectNotified(s, () => { s.sendPayload(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0xff, 0x01])) }, 1, 1)
    s = await dialGlobex()
    const v2 = agp.Frame.encode({ version: 2, keepalive: {} }).finish()
    const n = await expectNotified(s, () => { s.sendPayload(v2) }, 1, 4)
    expect(n.text).toContain('version 2')
    await waitFor(async () => (await metric('atpd_decode_errors_total')) === errors + 2, { what: 'decode errors +2' })
    s = await dialGlobex()
    const open = await s.handshake(AS_REFLECTOR)
    expect(open).toMatchObject({ org: 'acme', role: 'reflector', cluster: 'c1' })
    await waitFor(async () => (await peer(globex)).state === 'established', { what: 'globex established' })
    await s.close()
    await expectIntact()
  })

  it('b) UPDATE before OPEN: FSM error 5/1, nothing installed', async () => {
    const s = await dialGlobex()
    await expectNotified(s, () => { s.send(update([globex.originate({ id: 'early', capability: 'hostile/b' })])) }, 5, 1)
    await waitFor(async () => (await peer(globex)).lastError?.includes('unexpected update in open-sent'), { what: 'lastError names the FSM error' })
    expect(await routesOf('globex')).toEqual([])
    await expectIntact()
  })

  it('c) OPEN with the wrong org, a role that does not fit, a bad hold time: 2/2, 2/11, 2/6', async () => {
    let s = await dialGlobex()
    await expectNotified(s, () => { s.send({ type: 'open', org: 'beta', site: 'beta', ...AS_REFLECTOR, holdTimeS: 0, capabilities: [], interests: [] }) }, 2, 2)
    await waitFor(async () => (await peer(globex)).lastError?.includes('expected org globex, got beta'), { what: 'lastError names the org' })
    s = await dialGlobex()
    await expectNotified(s, () => { s.send({ type: 'open', org: 'globex', site: 'globex', role: 'peer', cluster: '', holdTimeS: 0, capabilities: [], interests: [] }) }, 2, 11)
    await waitFor(async () => (await peer(globex)).lastError?.includes('announced role peer'), { what: 'lastError names the role' })
    s = await dialGlobex()
    await expectNotified(s, () => { s.send({ type: 'open', org: 'globex', site: 'globex', ...AS_REFLECTOR, holdTimeS: 2, capabilities: [], interests: [] }) }, 2, 6)
    await expectIntact()
  })

  describe('on an established session', () => {
    let s: AgpWireSession

    it('d) a bad signature is treat-as-withdraw: not installed, the held path withdrawn, counted, session up', async () => {
      s = await dialGlobex()
      await s.handshake(AS_REFLECTOR)
      s.send(update([globex.originate({ id: 'd1', capability: 'hostile/d' })]))
      await waitFor(async () => (await routesOf('globex')).includes('d1:active'), { what: 'd1 installed' })

      const failures = await metric('atpd_signature_failures_total')
      s.send(update([forge(globex.originate({ id: 'd2', capability: 'hostile/d' }))]))
      await waitFor(async () => (await metric('atpd_signature_failures_total')) === failures + 1, { what: 'signature failures +1' })
      expect(await routesOf('globex')).toEqual(['d1:active'])
      // A newer advertisement of d1 that does not verify withdraws the one held (RFC 7606's idea).
      s.send(update([forge(globex.originate({ id: 'd1', capability: 'hostile/d', costUsd: 0.05 }))]))
      await waitFor(async () => (await metric('atpd_signature_failures_total')) === failures + 2, { what: 'signature failures +2' })
      expect(await routesOf('globex')).toEqual([])
      await waitFor(() => audit().filter((e) => e.kind === 'signature-invalid' && e.org === 'globex').length === 2, { what: 'audit signature-invalid ×2' })
      expect(audit().filter((e) => e.kind === 'signature-invalid').map((e) => e.agent)).toEqual(['d2', 'd1'])

      s.send(update([globex.originate({ id: 'd3', capability: 'hostile/d' })]))
      await waitFor(async () => (await routesOf('globex')).includes('d3:active'), { what: 'd3 installed after the bad ones' })
      expect(s.isOpen).toBe(true)
      expect((await peer(globex)).state).toBe('established')
      await expectIntact()
    })

    it('e) a route signed by a key that is not its originPeerId is refused (and cannot hijack beta\'s path)', async () => {
      const failures = await metric('atpd_signature_failures_total')
      const genuine = globex.originate({ id: 'ctl', capability: CONTROL, costUsd: 0.01 })
      const hijack = globex.sign({ ...genuine.attrs, originOrg: 'beta', originPeerId: beta.peerId }, ['globex', 'beta'])
      const claimsBeta = globex.sign({ ...genuine.attrs, agentId: 'e1', capability: 'hostile/e', originPeerId: beta.peerId })
      s.send(update([hijack]), update([claimsBeta]))
      await waitFor(async () => (await metric('atpd_signature_failures_total')) === failures + 2, { what: 'signature failures +2' })
      // The audit log is written in batches: wait for the records, then check them.
      await waitFor(() => audit().filter((e) => e.kind === 'signature-invalid').length === 4, { what: 'audit signature-invalid ×4' })
      expect(audit().filter((e) => e.kind === 'signature-invalid').slice(-2)).toEqual([
        expect.objectContaining({ peer: globex.peerId, org: 'beta', agent: 'ctl', capability: CONTROL }),
        expect.objectContaining({ peer: globex.peerId, org: 'globex', agent: 'e1' })
      ])
      expect(await routesOf('globex')).toEqual(['d3:active'])
      expect((await routesAt(acme, CONTROL)).map((r) => r.originPeerId)).toEqual([beta.peerId])
      expect((await peer(globex)).state).toBe('established')
      await expectIntact()
    })

    it('f) a length prefix past 1 MiB resets the session; its routes stay (stale) and a redial works', async () => {
      // 2 MiB, as an unsigned varint: refused before any body is buffered.
      s.sendRaw(Uint8Array.from([0x80, 0x80, 0x80, 0x01]))
      await s.closed()
      await waitFor(() => audit().some((e) => e.kind === 'session-down' && e.peer === globex.peerId && e.detail?.includes('bad framing') === true),
        { what: 'audit session-down: bad framing' })
      // Graceful restart: a reset session's routes stay, marked stale, until END_OF_RIB or the restart timer.
      await waitFor(async () => (await routesOf('globex')).join() === 'd3:stale', { what: 'd3 stale' })
      await expectIntact()
      s = await dialGlobex()
      await s.handshake(AS_REFLECTOR)
      await waitFor(async () => (await peer(globex)).state === 'established', { what: 'globex established again' })
    })

    it('g) more routes than maxRoutes: Cease 6/1, closed, its routes gone, beta\'s kept; a redial works', async () => {
      const trips = await metric('atpd_max_routes_trips_total')
      const many = Array.from({ length: 25 }, (_, i) => globex.originate({ id: `g${i}`, capability: 'hostile/g' }))
      const n = await expectNotified(s, () => { s.send(update(many)) }, 6, 1)
      expect(n.text).toContain('20')
      await waitFor(async () => (await metric('atpd_max_routes_trips_total')) === trips + 1, { what: 'max-routes trips +1' })
      await waitFor(() => audit().some((e) => e.kind === 'max-routes' && e.peer === globex.peerId), { what: 'audit max-routes' })
      await waitFor(async () => (await routesOf('globex')).length === 0, { what: 'globex routes dropped' })
      await expectIntact()
      // acme is passive towards globex: it waits for the redial, which works.
      s = await dialGlobex()
      await s.handshake(AS_REFLECTOR)
      s.send(update([globex.originate({ id: 'g-after', capability: 'hostile/g' })]))
      await waitFor(async () => (await routesOf('globex')).join() === 'g-after:active', { what: 'a route after the trip' })
    })

    it('i) a malformed UPDATE on an established session gets its own code: 3/11 (route), 3/12 (too many), 3/10 (withdraw)', async () => {
      const errors = await metric('atpd_decode_errors_total')
      const wire = globex.originate({ id: 'i1', capability: 'hostile/i' })
      const shortSig = agp.Frame.encode({ version: 1, update: { announces: [{ attrs: wire.attrsBytes, signature: wire.signature.subarray(0, 63), orgPath: ['globex'] }] } }).finish()
      await expectNotified(s, () => { s.sendPayload(shortSig) }, 3, 11)
      s = await dialGlobex()
      await s.handshake(AS_REFLECTOR)
      const tooMany = Array.from({ length: 4097 }, (_, i) => ({ capability: 'hostile/i', originOrg: 'globex', agentId: `w${i}` }))
      await expectNotified(s, () => { s.send({ type: 'update', announces: [], withdraws: tooMany }) }, 3, 12)
      s = await dialGlobex()
      await s.handshake(AS_REFLECTOR)
      await expectNotified(s, () => { s.send({ type: 'update', announces: [], withdraws: [{ capability: 'Hostile//I', originOrg: 'globex', agentId: 'x' }] }) }, 3, 10)
      await waitFor(async () => (await metric('atpd_decode_errors_total')) === errors + 3, { what: 'decode errors +3' })
      expect(await routesOf('globex', 'hostile/i')).toEqual([])
      await expectIntact()
    })
  })

  it('j) a storm of 12 concurrent streams from one neighbor: one survives (the newest replaces), it completes OPEN', async () => {
    await waitFor(async () => (await peer(globex)).state === 'idle', { what: 'acme idle towards globex' })
    const storm = await Promise.all(Array.from({ length: 12 }, async () => await globex.dial(acme.peerId, acme.addr)))
    const live = await waitFor(() => {
      const open = storm.filter((x) => x.isOpen)
      return open.length === 1 ? open[0] : undefined
    }, { what: 'exactly one of our streams left open' })
    await live.handshake(AS_REFLECTOR)
    await waitFor(async () => (await peer(globex)).state === 'established', { what: 'globex established after the storm' })
    await live.close()
    await expectIntact()
  })

  it(`h) a flood of ${FLOOD_FRAMES} one-route UPDATE frames: acme stays up, bounded memory, holds them all`, async () => {
    const s = await initech.dial(acme.peerId, acme.addr)
    await s.handshake({ role: 'peer' })
    await waitFor(async () => (await peer(initech)).state === 'established', { what: 'initech established' })
    const pid = acme.pid
    if (pid === undefined) throw new Error('acme has no pid')
    const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
    const frames = Array.from({ length: FLOOD_FRAMES }, (_, i) => update([initech.originate({ id: `f${i}`, capability: `flood/c${i}` })]))
    let maxRssKb = rssKb()
    const updatesIn = await metric('atpd_updates_total{direction="in"}')
    s.send(...frames) // one enqueue: the channel joins them into 64 KB writes, as fast as the stream takes them
    // A full event loop holds the frames and pauses the stream (frame-channel.ts): never a reset.
    const outcome = await waitFor(async () => {
      maxRssKb = Math.max(maxRssKb, rssKb())
      if (!s.isOpen) return 'reset'
      return (await peer(initech)).routesReceived === FLOOD_FRAMES ? 'held' : undefined
    }, { what: `${FLOOD_FRAMES} flood routes at acme`, timeoutMs: 90_000, intervalMs: 200 })
    expect(maxRssKb).toBeLessThan(RSS_LIMIT_KB)
    expect(outcome).toBe('held')
    // Every flood frame counted once. The counter sums all of acme's neighbors, and the
    // others may send an UPDATE of their own meanwhile (a refresh): a few, never thousands.
    const counted = await metric('atpd_updates_total{direction="in"}') - updatesIn
    expect(counted).toBeGreaterThanOrEqual(FLOOD_FRAMES)
    expect(counted).toBeLessThan(FLOOD_FRAMES + OTHER_UPDATES_SLACK)
    expect((await routesAt(acme)).filter((r) => r.org === 'initech').length).toBe(FLOOD_FRAMES)
    expect(s.isOpen).toBe(true)
    expect(await peerState(acme, initech.peerId)).toBe('established')
    await expectIntact()
  }, 150_000) // a loaded 2-core machine takes a minute for the flood
})
