// Hostile envelopes over the wire against a real atpd (forged
// signature, foreign clientID, replayed sequence, oversize update: refused, state
// unchanged, counted). The test is a configured neighbor (org globex) whose key it
// holds; it runs its own libp2p node and speaks /atp/memory/1.0.0 by hand.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signEnvelope } from '../../crdt/codec/envelope-codec.ts'
import type { Envelope } from '../../crdt/envelope.ts'
import { Replica } from '../../crdt/replica.ts'
import { createEd25519Verifier } from '../../daemon/identity/index.ts'
import { cleanupSites, prepareSites, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { nested, rawEnvelope } from '../helpers/memory-fixtures.ts'
import { startWirePeer, type WirePeer } from '../helpers/memory-wire-peer.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const NS = { id: 'hostile-ns', members: ['acme', 'globex'], writers: ['acme', 'globex'] }
interface NsJson { entries: Record<string, unknown>, texts: string[], stateHash: string, vectorClock: Record<string, number> }
interface EntryJson { value: unknown, provenance: { org: string, peerId: string, seq: number, signatureValid: boolean } }

describe('memory: hostile envelopes over /atp/memory/1.0.0', () => {
  let site: AtpdProcess
  let wire: WirePeer
  let wireDir: string
  let writer: Replica // our honest stream (globex, epoch 1)
  let acmeClientId: number

  const writerAs = (epoch: number, clientId: number, org = 'globex'): Replica => new Replica({
    namespace: NS, verifier: createEd25519Verifier(), writer: { org, signer: wire.signer, epoch, clientId }
  })
  const seal = (r: Replica, key: string, value: unknown): Envelope => {
    r.put(key, value, Date.now())
    const [e] = r.flush(Date.now(), true)
    if (e === undefined) throw new Error('nothing sealed')
    return e
  }
  /** Our outbound stream (retried: the memory handler may register just after health answers). */
  const openWire = async (): Promise<void> => {
    await waitFor(async () => { await wire.open(site.peerId, site.addr); return true }, { what: 'sync stream to acme', timeoutMs: 10_000 })
  }
  const snapshot = async (): Promise<NsJson> => {
    const r = await site.api<NsJson>('GET', `/v1/memory/${NS.id}`)
    expect(r.status).toBe(200)
    return r.body
  }
  const counter = async (name: string, label: string): Promise<number> => {
    const text = (await site.api<string>('GET', '/metrics')).body
    const line = String(text).split('\n').find((l) => l.startsWith(`${name}{${label}} `))
    return line === undefined ? 0 : Number(line.split(' ')[1])
  }
  /** Sends, waits until the counter moved by one, then checks nothing else moved. */
  const expectRefused = async (send: () => void, name: string, label: string): Promise<void> => {
    const before = await snapshot()
    const count = await counter(name, label)
    send()
    await waitFor(async () => (await counter(name, label)) === count + 1, { what: `${name}{${label}} = ${count + 1}`, timeoutMs: 10_000 })
    expect(await snapshot()).toEqual(before)
    expect((await site.api<{ ok: boolean }>('GET', '/v1/health')).body.ok).toBe(true)
    expect(site.running).toBe(true)
  }

  beforeAll(async () => {
    wireDir = mkdtempSync(join(tmpdir(), 'atp-wire-'))
    wire = await startWirePeer(wireDir) // listening before the daemon starts: its first dial to us succeeds
    ;[site] = await prepareSites([{ org: 'acme', config: { memory: { namespaces: [NS] } } }]) as [AtpdProcess]
    site.config.neighbors = [{ peer: wire.peerId, addrs: [wire.addr], org: 'globex', role: 'partner' }]
    await site.start()
    await openWire()
    writer = writerAs(1, 4242)

    // Learn acme's live clientId from its own envelope (the one the hostile d) claims).
    expect((await site.api('PUT', `/v1/memory/${NS.id}/entries/seed`, { value: 'acme' })).status).toBe(200)
    wire.send({ type: 'hello', namespaces: [{ namespace: NS.id, vector: new Map() }] })
    const acmeEnvelope = await waitFor(() => wire.received.find((e) => e.peerId === site.peerId), { what: 'acme envelope over sync' })
    acmeClientId = acmeEnvelope.clientId
    expect(acmeEnvelope).toMatchObject({ org: 'acme', namespace: NS.id, seq: 1 })
  })

  afterAll(async () => {
    await cleanupSites([site])
    await wire?.stop()
    if (wireDir !== undefined) rmSync(wireDir, { recursive: true, force: true })
  })

  it('a) a valid envelope applies with our provenance (positive control)', async () => {
    const e1 = seal(writer, 'finding', { sev: 'high' })
    wire.send({ type: 'envelopes', envelopes: [e1] })
    const got = await waitFor(async () => {
      const r = await site.api<EntryJson>('GET', `/v1/memory/${NS.id}/entries/finding`)
      return r.status === 200 ? r.body : undefined
    }, { what: 'wire envelope applied at acme' })
    expect(got).toMatchObject({ value: { sev: 'high' }, provenance: { org: 'globex', peerId: wire.peerId, seq: 1, signatureValid: true } })
    expect(await counter('atpd_memory_envelopes_total', 'outcome="applied"')).toBeGreaterThanOrEqual(1)
  })

  it('b) the same envelope again is a counted duplicate; the same seq with other content is a replay', async () => {
    const [e1] = writer.missingFor(new Map())
    if (e1 === undefined) throw new Error('no e1')
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [e1] }) }, 'atpd_memory_envelopes_total', 'outcome="duplicate"')
    // A second replica of our own stream (same peer, same epoch): seq 1 again, validly signed.
    const replayed = seal(writerAs(1, 4243), 'finding', { sev: 'none' })
    expect(replayed.seq).toBe(1)
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [replayed] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:replay"')
  })

  it('c) a forged signature is refused', async () => {
    const e2 = seal(writer, 'finding', { sev: 'low' })
    const sig = Uint8Array.from(e2.signature)
    sig[0] = (sig[0] ?? 0) ^ 0xff
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [{ ...e2, signature: sig }] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:bad-signature"')
    // Our key signing as acme's peer id does not verify either.
    const asAcme = signEnvelope({ ...e2, peerId: site.peerId, org: 'acme', seq: 2, deps: new Map([[`${site.peerId}/1`, 1]]) }, wire.signer)
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [asAcme] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:bad-signature"')
    // …and logged, with the reason and the neighbor it came from.
    const line = await waitFor(() => site.logs.split('\n').find((l) => l.includes('memory envelope refused') && l.includes('"reason":"bad-signature"')), { what: 'refusal logged' })
    expect(line).toContain(wire.peerId)
  })

  it('d) an envelope claiming acme\'s clientID (or acme\'s org) is refused', async () => {
    const hijack = seal(writerAs(7, acmeClientId), 'seed', 'hijacked')
    expect(hijack.clientId).toBe(acmeClientId)
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [hijack] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:foreign-client-id"')
    expect((await site.api<EntryJson>('GET', `/v1/memory/${NS.id}/entries/seed`)).body.value).toBe('acme')
    // Our own key, validly signed, claiming to be org acme: the config binds our peer id to globex.
    const posing = seal(writerAs(9, 777, 'acme'), 'seed', 'posing')
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [posing] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:org-mismatch"')
  })

  it('e) an oversize update is dropped before it is decoded', async () => {
    const big = signEnvelope({ namespace: NS.id, org: 'globex', peerId: wire.peerId, epoch: 1, clientId: 4242, seq: 2, deps: new Map([[`${wire.peerId}/1`, 1]]), atMs: Date.now(), update: new Uint8Array(256 * 1024 + 1).fill(7) }, wire.signer)
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [big] }) }, 'atpd_memory_sync_dropped_total', 'reason="oversize"')
  })

  it('f) garbage bytes are dropped; a broken frame ends the stream only; the daemon still syncs', async () => {
    await expectRefused(() => { wire.sendFrame(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3])) }, 'atpd_memory_sync_dropped_total', 'reason="malformed"')
    await expectRefused(() => { wire.sendFrame(Uint8Array.from([1, 3, 200])) }, 'atpd_memory_sync_dropped_total', 'reason="malformed"')
    // A length prefix past the frame limit: the daemon resets our stream, nothing else.
    const before = await snapshot()
    wire.sendRaw(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0]))
    await waitFor(() => !wire.isOpen, { what: 'our stream reset by the daemon' })
    expect(await snapshot()).toEqual(before)
    expect((await site.api<{ ok: boolean }>('GET', '/v1/health')).body.ok).toBe(true)
    // Reconnect and send the honest seq 2 (sealed in c): it applies.
    await openWire()
    const [, e2] = writer.missingFor(new Map())
    if (e2 === undefined) throw new Error('no e2')
    wire.send({ type: 'envelopes', envelopes: [e2] })
    await waitFor(async () => {
      const r = await site.api<EntryJson>('GET', `/v1/memory/${NS.id}/entries/finding`)
      return r.body.provenance?.seq === 2 ? r.body : undefined
    }, { what: 'honest seq 2 applied after the hostile ones' })
    const after = await snapshot()
    expect(after.entries).toMatchObject({ seed: 'acme', finding: { sev: 'low' } })
    expect(after.vectorClock[`${wire.peerId}/1`]).toBe(2)
  })

  it('g) a value 3,500 deep: 400 at the API; over the wire refused (bad-value), and acme keeps serving', async () => {
    const put = await site.api<{ code: string, message: string }>('PUT', `/v1/memory/${NS.id}/entries/deep`, { value: nested(3500) })
    expect(put.status).toBe(400)
    expect(put.body.message).toMatch(/nested deeper than 64 levels/)
    const deep = rawEnvelope({ namespace: NS.id, org: 'globex', signer: wire.signer, epoch: 11, clientId: 91_011, key: 'deep', value: nested(3500) })
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [deep] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:bad-value"')
    const proto = rawEnvelope({ namespace: NS.id, org: 'globex', signer: wire.signer, epoch: 12, clientId: 91_012, key: '__proto__', value: 1 })
    await expectRefused(() => { wire.send({ type: 'envelopes', envelopes: [proto] }) }, 'atpd_memory_envelopes_total', 'outcome="refused:bad-value"')
  })
})
