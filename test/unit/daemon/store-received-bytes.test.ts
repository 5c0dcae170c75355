import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../../../agp/codec/frame-codec.ts'
import { AdjRibIn } from '../../../agp/rib/adj-rib-in.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import type { Route } from '../../../agp/route/route.ts'
import { NodeStore, ReceivedRouteBytes, SnapshotWriter, type SnapshotWriterInit } from '../../../daemon/store/index.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })
async function openStore (): Promise<NodeStore> {
  const d = mkdtempSync(join(tmpdir(), 'atpd-received-'))
  dirs.push(d)
  return await NodeStore.open(d)
}

/** A Speaker stand-in holding one neighbor's Adj-RIB-In (its journal is what the writer takes). */
function oneTable (peer: string, rib: AdjRibIn): SnapshotWriterInit['speaker'] {
  return {
    snapshot: () => ({ localAgents: [], adjRibIn: [{ peer, routes: [...rib.values()] }], damping: [], originSeq: 0 }),
    restartState: () => ({ damping: [], originSeq: 0 }),
    takeAdjRibInChanges: () => {
      const c = rib.takeChanges()
      return { neighbors: [peer], changes: [c === undefined ? { peer, full: true, upserts: [...rib.values()], deletes: [] } : { peer, full: false, ...c }] }
    }
  }
}

/** Frame { version 1, update { announces } } written by hand, each announce's bytes as given. */
function updateFrame (announces: readonly Uint8Array[]): Uint8Array {
  const body = announces.flatMap((a) => [0x0a, ...varint(a.length), ...a])
  return new Uint8Array([0x08, 0x01, 0x22, ...varint(body.length), ...body])
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return out
}

/** Routes as a receiver holds them (attrsBytes set: what the origin signed). */
const routes = (n: number): Route[] => Array.from({ length: n }, (_, i) => {
  const r = decodeRoute(encodeRoute(makeRoute({ agentId: `agent-${i}` }, { originatorId: '12D3KooWreflector', clusterList: ['rr-1'] })))
  if (!r.ok) throw r.error
  return r.value
})

describe('received routes persisted as the bytes they came as', () => {
  it('writes each received route\'s WireRoute bytes as its record, not a new encoding', async () => {
    const sent = routes(3)
    // The second announce carries a field this version does not know (field 15): decoders
    // skip it, so the route is the same, but its bytes are not what encodeRoute writes.
    const wires = sent.map((r, i) => i === 1 ? new Uint8Array([...encodeRoute(r), 0x78, 0x01]) : encodeRoute(r))
    const received = new ReceivedRouteBytes()
    const bytes = updateFrame(wires)
    const decoded = decodeFrame(bytes, received.note)
    if (!decoded.ok || decoded.value.type !== 'update') throw new Error('the frame must decode')
    expect(decoded.value.announces).toEqual(sent)
    // The sink's bytes are copies: the caller may reuse its buffer.
    bytes.fill(0)

    const rib = new AdjRibIn('p1', 100)
    rib.takeChanges()
    for (const r of decoded.value.announces) rib.set(r)
    const store = await openStore()
    const writer = new SnapshotWriter(store, { speaker: oneTable('p1', rib), intervalMs: 60_000, received })
    writer.markDirty()
    await writer.flush()
    const records = new Map<string, Uint8Array>()
    for await (const [key, value] of store.adjDb.iterator()) records.set(key.split('\0')[2] ?? '', new Uint8Array(value))
    expect([...records.keys()].sort()).toEqual(sent.map((r) => `${r.attrs.originOrg}/${r.attrs.agentId}`).sort())
    for (const [i, r] of sent.entries()) expect(records.get(`${r.attrs.originOrg}/${r.attrs.agentId}`)).toEqual(wires[i])
    expect(received.taken).toBe(3)
    expect((await store.load()).snapshot.adjRibIn[0]?.routes).toEqual(expect.arrayContaining(sent))
    await store.close()
  })

  it('encodes a route it holds no bytes for, and hands a route\'s bytes out once', async () => {
    const [a, b] = routes(2) as [Route, Route]
    const received = new ReceivedRouteBytes()
    const decoded = decodeFrame(encodeFrame({ type: 'update', announces: [a], withdraws: [] }), received.note)
    if (!decoded.ok || decoded.value.type !== 'update') throw new Error('the frame must decode')
    const got = decoded.value.announces[0] as Route
    const rib = new AdjRibIn('p1', 100)
    rib.takeChanges()
    rib.set(got)
    rib.set(b)
    const store = await openStore()
    const writer = new SnapshotWriter(store, { speaker: oneTable('p1', rib), intervalMs: 60_000, received })
    writer.markDirty()
    await writer.flush()
    expect(received.taken).toBe(1)
    expect(received.take(got)).toBeUndefined()
    expect((await store.load()).snapshot.adjRibIn[0]?.routes).toEqual(expect.arrayContaining([a, b]))
    await store.close()
  })
})
