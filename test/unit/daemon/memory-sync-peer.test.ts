// SyncPeer without a network: messages in as bytes, messages out through a fake output.
import { describe, expect, it } from 'vitest'
import { decodeSyncMessage, encodeSyncMessage } from '../../../crdt/codec/sync-codec.ts'
import type { SyncMessage } from '../../../crdt/codec/sync-codec.ts'
import type { Envelope } from '../../../crdt/envelope.ts'
import type { Replica, ReceiveResult } from '../../../crdt/replica.ts'
import type { MemoryService } from '../../../daemon/memory/memory-service.ts'
import { SyncPeer, dropReasonOf, packEnvelopes } from '../../../daemon/memory/sync-peer.ts'
import { MemoryBoundError, MemoryDecodeError } from '../../../crdt/errors.ts'
import type { SyncNeighbor } from '../../../daemon/memory/sync-peer.ts'
import { NS, putAndSeal, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

/** Just what SyncPeer uses of the service: the replicas and receive. */
function fakeService (replica: Replica): MemoryService {
  return {
    replicas: new Map([[NS.id, replica]]),
    receive: (_ns: string, envelopes: readonly Envelope[]): ReceiveResult[] => envelopes.map((e) => replica.receive(e, 0))
  } as unknown as MemoryService
}

function harness (replica: Replica, neighbor: Partial<SyncNeighbor> = {}, selfRole: 'peer' | 'reflector' = 'peer') {
  const sent: SyncMessage[] = []
  let now = 0
  const peer = new SyncPeer({ peerId: 'peer-globex', org: 'globex', role: 'partner', ...neighbor }, fakeService(replica), selfRole, () => now, async () => {})
  const out = { send: (ms: readonly Uint8Array[]) => { for (const m of ms) sent.push(decodeSyncMessage(m)); return true }, queuedBytes: 0 }
  return { peer, sent, out, setNow: (ms: number) => { now = ms } }
}

const flush = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('SyncPeer', () => {
  it('announces our vector on attach and answers hello with the envelopes the neighbor lacks', async () => {
    const acme = writerReplica('acme')
    const es = [putAndSeal(acme, 'a', 1), putAndSeal(acme, 'b', 2)]
    const h = harness(acme)
    h.peer.attachOutput(h.out)
    expect(h.sent[0]).toEqual({ type: 'hello', namespaces: [{ namespace: NS.id, vector: acme.versionVector() }] })
    expect(h.peer.onPayload(encodeSyncMessage({ type: 'hello', namespaces: [{ namespace: NS.id, vector: new Map() }] }))).toBe(true)
    await flush()
    expect(h.sent[1]).toEqual({ type: 'envelopes', envelopes: es })
  })

  it('a non-member neighbor gets neither hello entries nor envelopes; a reflector neighbor does', async () => {
    const acme = writerReplica('acme')
    putAndSeal(acme, 'a', 1)
    const outsider = harness(acme, { org: 'umbrella' })
    outsider.peer.attachOutput(outsider.out)
    outsider.peer.onPayload(encodeSyncMessage({ type: 'want', namespace: NS.id, vector: new Map() }))
    outsider.peer.push(NS.id, acme.missingFor(new Map()), undefined)
    await flush()
    expect(outsider.sent).toEqual([{ type: 'hello', namespaces: [] }])

    const rr = harness(acme, { org: 'fed-ops', role: 'reflector' })
    rr.peer.attachOutput(rr.out)
    rr.peer.push(NS.id, acme.missingFor(new Map()), undefined)
    expect(rr.sent.map((m) => m.type)).toEqual(['hello', 'envelopes'])
  })

  it('never pushes an envelope back to the neighbor it came from', () => {
    const acme = writerReplica('acme')
    const h = harness(acme)
    h.peer.attachOutput(h.out)
    h.peer.push(NS.id, [putAndSeal(acme, 'a', 1)], 'peer-globex')
    expect(h.sent.map((m) => m.type)).toEqual(['hello'])
  })

  it('applies received envelopes; a gap parks and sends want at most once a second', () => {
    const globex = writerReplica('globex', { peerId: 'peer-globex' })
    const [e1, e2, e3] = [putAndSeal(globex, 'k', 1), putAndSeal(globex, 'k', 2), putAndSeal(globex, 'k', 3)]
    const mine = readerReplica()
    const h = harness(mine)
    h.peer.attachOutput(h.out)
    h.peer.onPayload(encodeSyncMessage({ type: 'envelopes', envelopes: [e2 as Envelope] }))
    h.peer.onPayload(encodeSyncMessage({ type: 'envelopes', envelopes: [e3 as Envelope] }))
    expect(h.sent.filter((m) => m.type === 'want')).toHaveLength(1)
    h.setNow(1000)
    h.peer.onPayload(encodeSyncMessage({ type: 'envelopes', envelopes: [e3 as Envelope] }))
    expect(h.sent.filter((m) => m.type === 'want')).toHaveLength(1) // e3 is already parked: a duplicate, not a gap
    h.peer.onPayload(encodeSyncMessage({ type: 'envelopes', envelopes: [e1 as Envelope] }))
    expect(mine.entries()).toEqual({ k: 3 })
    expect(h.peer.counters.received).toBe(4)
  })

  it('counts undecodable messages by reason and never throws', () => {
    const h = harness(readerReplica())
    const acme = writerReplica('acme')
    const e = putAndSeal(acme, 'a', 1)
    const big = encodeSyncMessage({ type: 'envelopes', envelopes: [{ ...e, update: new Uint8Array(256 * 1024 + 1) }] })
    expect(h.peer.onPayload(big)).toBe(false)
    expect(h.peer.onPayload(Uint8Array.from([0xde, 0xad, 0xbe, 0xef]))).toBe(false)
    expect(h.peer.onPayload(new Uint8Array(0))).toBe(false)
    expect(h.peer.onPayload(new Uint8Array(1024 * 1024 + 1))).toBe(false)
    expect(h.peer.dropped).toEqual({ oversize: 2, malformed: 2 })
    expect(h.peer.counters.decodeErrors).toBe(4)
  })

  it('dropReasonOf: bounds are oversize, the rest malformed, decided by class, never by message text', () => {
    expect(dropReasonOf(new MemoryBoundError('update length out of range (262145 > 262144)'))).toBe('oversize')
    expect(dropReasonOf(new MemoryBoundError('sync message: 1048577 bytes exceeds limit 1048576'))).toBe('oversize')
    expect(dropReasonOf(new MemoryDecodeError('truncated before version'))).toBe('malformed')
    // The same words in an error of another class say nothing about a bound.
    expect(dropReasonOf(new Error('update length out of range (262145 > 262144)'))).toBe('malformed')
    expect(dropReasonOf('not an error')).toBe('malformed')
  })

  it('packEnvelopes bounds messages by count', () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 5 }, (_, i) => putAndSeal(acme, 'k', i))
    expect(packEnvelopes(es, 2).map((b) => b.length)).toEqual([2, 2, 1])
    expect(packEnvelopes([], 2)).toEqual([])
  })

  it('serves repeated wants incrementally: a burst costs the history once, not once per want', async () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 30 }, (_, i) => putAndSeal(acme, `k${i}`, i))
    const h = harness(acme)
    h.peer.attachOutput(h.out)
    const want = encodeSyncMessage({ type: 'want', namespace: NS.id, vector: new Map() })
    for (let i = 0; i < 200; i++) h.peer.onPayload(want)
    await flush()
    for (let i = 0; i < 200; i++) h.peer.onPayload(want)
    await flush()
    const carried = h.sent.flatMap((m) => (m.type === 'envelopes' ? m.envelopes : []))
    expect(carried).toEqual(es)
    // A new envelope: the next want sends just that one.
    const e31 = putAndSeal(acme, 'k31', 31)
    h.peer.onPayload(want)
    await flush()
    expect(h.sent.flatMap((m) => (m.type === 'envelopes' ? m.envelopes : [])).slice(es.length)).toEqual([e31])
    // They really lack it all (a want behind what was carried), a minute later: sent again once.
    h.setNow(60_000)
    h.peer.onPayload(want)
    h.peer.onPayload(want)
    await flush()
    expect(h.sent.flatMap((m) => (m.type === 'envelopes' ? m.envelopes : [])).length).toBe(2 * es.length + 2)
  })

  it('a new output stream starts over, and a pass for a replaced stream stops', async () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 4 }, (_, i) => putAndSeal(acme, `k${i}`, i))
    const h = harness(acme)
    h.peer.attachOutput(h.out)
    h.peer.onPayload(encodeSyncMessage({ type: 'want', namespace: NS.id, vector: new Map() }))
    await flush()
    const second: SyncMessage[] = []
    const out2 = { send: (ms: readonly Uint8Array[]) => { for (const m of ms) second.push(decodeSyncMessage(m)); return true }, queuedBytes: 0 }
    h.peer.detachOutput(h.out)
    h.peer.attachOutput(out2)
    h.peer.onPayload(encodeSyncMessage({ type: 'want', namespace: NS.id, vector: new Map() }))
    await flush()
    expect(second.flatMap((m) => (m.type === 'envelopes' ? m.envelopes : []))).toEqual(es)
  })
})
