import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { originateRoute } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import type { LocalAgent, SpeakerSnapshot } from '../../../reflector/types.ts'
import { NodeStore, ORIGIN_SEQ_CRASH_GAP, SnapshotWriter, StoreError, type SnapshotWriterInit } from '../../../daemon/store/index.ts'
import { AdjRibIn } from '../../../agp/rib/adj-rib-in.ts'
import { pathKeyOf } from '../../../agp/rib/keys.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'

const dirs: string[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-store-'))
  dirs.push(d)
  return d
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const agent = (id: string, costUsd = 0.4): LocalAgent => ({
  id, capability: 'code-review/python', endpoint: 'http://127.0.0.1:9001', costUsd,
  latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 8, trials: 10 }, region: 'eu', tags: []
})

function route (org: string, id: string, seq: number): Route {
  return originateRoute(agent(id), { org, signer: fakeSigner(`peer-${org}`), originSeq: seq, nowMs: 1_700_000_000_000 })
}

/**
 * A Speaker stand-in whose tables follow `current()`: each take brings real AdjRibIn
 * tables (and so their journals) to the snapshot's content, then takes their changes.
 */
function tables (current: () => SpeakerSnapshot): SnapshotWriterInit['speaker'] {
  const ribs = new Map<string, AdjRibIn>()
  const sync = (): void => {
    const snap = current()
    const peers = new Set(snap.adjRibIn.map((e) => e.peer))
    for (const peer of [...ribs.keys()]) if (!peers.has(peer)) ribs.delete(peer)
    for (const { peer, routes } of snap.adjRibIn) {
      const rib = ribs.get(peer) ?? ribs.set(peer, new AdjRibIn(peer, 1000)).get(peer) as AdjRibIn
      const keep = new Set(routes.map((r) => pathKeyOf(r)))
      for (const r of [...rib.values()]) if (!keep.has(pathKeyOf(r))) rib.delete(pathKeyOf(r))
      for (const r of routes) if (rib.get(pathKeyOf(r)) !== r) rib.set(r)
    }
  }
  return {
    snapshot: current,
    restartState: () => {
      const { damping, originSeq, outcomes } = current()
      return { damping, originSeq, ...(outcomes !== undefined ? { outcomes } : {}) }
    },
    takeAdjRibInChanges: () => {
      sync()
      return {
        neighbors: [...ribs.keys()],
        changes: [...ribs].map(([peer, rib]) => {
          const c = rib.takeChanges()
          return c === undefined ? { peer, full: true, upserts: [...rib.values()], deletes: [] } : { peer, full: false, ...c }
        })
      }
    }
  }
}

function snapshot (adj: { peer: string, routes: Route[] }[], originSeq: number, damping: SpeakerSnapshot['damping'] = []): SpeakerSnapshot {
  return { localAgents: [], adjRibIn: adj, damping, originSeq }
}

describe('NodeStore', () => {
  it('stores agents durably and lists them after reopen', async () => {
    const dir = tempDir()
    let store = await NodeStore.open(dir)
    await store.putAgent(agent('a1'))
    await store.putAgent(agent('a2'))
    await store.putAgent(agent('a1', 0.9))
    await store.deleteAgent('a2')
    await store.close()
    store = await NodeStore.open(dir)
    expect((await store.listAgents()).agents).toEqual([agent('a1', 0.9)])
    await store.close()
  })

  it('refuses a second open of the same dataDir with a clear error', async () => {
    const dir = tempDir()
    const store = await NodeStore.open(dir)
    const err = await NodeStore.open(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreError)
    expect(String(err)).toMatch(/another atpd/)
    await store.close()
  })

  it('writes Adj-RIB-In and damping as diffs and loads them back', async () => {
    const dir = tempDir()
    const store = await NodeStore.open(dir)
    let current = snapshot([{ peer: 'p1', routes: [route('acme', 'r1', 1), route('acme', 'r2', 1)] }], 7,
      [{ peer: 'p1', pathKey: 'acme/r1', capability: 'code-review/python', state: { penalty: 1000, suppressed: false } }])
    const writer = new SnapshotWriter(store, { speaker: tables(() => current), intervalMs: 60_000 })
    writer.markDirty()
    await writer.flush()
    // Replace r1, drop r2, add a peer; damping entry removed.
    current = snapshot([{ peer: 'p1', routes: [route('acme', 'r1', 2)] }, { peer: 'p2', routes: [route('beta', 'x', 3)] }], 9)
    writer.markDirty()
    await writer.flush()
    await store.setCleanShutdown(true)
    const loaded = await store.load()
    expect(loaded.cleanShutdown).toBe(true)
    expect(loaded.snapshot.originSeq).toBe(9)
    expect(loaded.snapshot.damping).toEqual([])
    const byPeer = Object.fromEntries(loaded.snapshot.adjRibIn.map((e) => [e.peer, e.routes.map((r) => `${r.attrs.agentId}@${r.attrs.originSeq}`)]))
    expect(byPeer).toEqual({ p1: ['r1@2'], p2: ['x@3'] })
    const r1 = loaded.snapshot.adjRibIn[0]?.routes[0]
    expect(r1?.signature).toEqual(route('acme', 'r1', 2).signature)
    // A neighbor gone takes its table with it; a path that changed capability is stored once, under the new one.
    const moved = originateRoute({ ...agent('x'), capability: 'code-review/go' }, { org: 'beta', signer: fakeSigner('peer-beta'), originSeq: 4, nowMs: 1_700_000_000_000 })
    current = snapshot([{ peer: 'p2', routes: [moved] }], 9)
    writer.markDirty()
    await writer.flush()
    const after = await store.load()
    expect(after.snapshot.adjRibIn.map((e) => [e.peer, e.routes.map((r) => `${r.attrs.capability}:${r.attrs.agentId}@${r.attrs.originSeq}`)]))
      .toEqual([['p2', ['code-review/go:x@4']]])
    await store.close()
  })

  it('encodes a table for the store one write batch at a time, never the whole table at once', async () => {
    const store = await NodeStore.open(tempDir())
    const encoded = new Set<string>()
    // Routes that note when their bytes are read (encodeRoute reads attrsBytes).
    const routes = Array.from({ length: 12 }, (_, i) => {
      const r = route('acme', `r${i}`, 1)
      return Object.defineProperty({ ...r }, 'attrsBytes', { get: () => { encoded.add(r.attrs.agentId); return r.attrsBytes } })
    })
    const writes: number[] = []
    const db = store.db as unknown as { batch: (ops: unknown[], options: unknown) => Promise<void> }
    const batch = db.batch.bind(db)
    db.batch = async (ops, options) => { writes.push(encoded.size); await batch(ops, options) }
    const writer = new SnapshotWriter(store, { speaker: tables(() => snapshot([{ peer: 'p1', routes }], 1)), intervalMs: 60_000, batchOps: 5 })
    writer.markDirty()
    await writer.flush()
    expect(writes).toEqual([5, 10, 12])
    expect((await store.load()).snapshot.adjRibIn[0]?.routes.length).toBe(12)
    await store.close()
  })

  it('persists consumer outcomes (breakers included) and loads them back', async () => {
    const dir = tempDir()
    let store = await NodeStore.open(dir)
    const star = { key: 'acme/star', wins: 0, trials: 5, atMs: 1000, consecutiveFailures: 5, openedAtMs: 1000, latencyMs: 1200 }
    let current: SpeakerSnapshot = { ...snapshot([], 1), outcomes: [star, { key: 'acme/h1', wins: 1, trials: 1, atMs: 900, consecutiveFailures: 0 }] }
    const writer = new SnapshotWriter(store, { speaker: tables(() => current), intervalMs: 60_000 })
    writer.markDirty()
    await writer.flush()
    current = { ...current, outcomes: [star] }
    writer.markDirty()
    await writer.flush()
    await store.close()
    store = await NodeStore.open(dir)
    expect((await store.load()).snapshot.outcomes).toEqual([star])
    await store.close()
  })

  it('after an unclean stop, advances originSeq so a restart never reuses one', async () => {
    const dir = tempDir()
    let store = await NodeStore.open(dir)
    const writer = new SnapshotWriter(store, { speaker: tables(() => snapshot([], 42)), intervalMs: 60_000 })
    writer.markDirty()
    await writer.flush()
    await store.setCleanShutdown(false) // running; then "crash"
    await store.close()
    store = await NodeStore.open(dir)
    const loaded = await store.load()
    expect(loaded.cleanShutdown).toBe(false)
    expect(loaded.snapshot.originSeq).toBe(42 + ORIGIN_SEQ_CRASH_GAP)
    await store.close()
  })

  it('keeps damping state of any structured shape', async () => {
    const dir = tempDir()
    const store = await NodeStore.open(dir)
    const damping = [{ peer: 'p', pathKey: 'o/a', capability: 'c', state: { penalty: 1.5, at: 10, history: new Map([['k', 1]]) } }]
    const writer = new SnapshotWriter(store, { speaker: tables(() => snapshot([], 1, damping)), intervalMs: 60_000 })
    writer.markDirty()
    await writer.flush()
    expect((await store.load()).snapshot.damping).toEqual(damping)
    expect(() => store.sublevel('agents')).toThrow(/reserved/)
    await store.sublevel('memory').put('k', new Uint8Array([1, 2]))
    expect(Array.from(await store.sublevel('memory').get('k') ?? [])).toEqual([1, 2])
    await store.close()
  })
})
