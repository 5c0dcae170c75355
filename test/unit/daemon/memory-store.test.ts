import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { seededRandom } from '../../../kernel/ports.ts'
import type { NamespaceConfig } from '../../../crdt/acl.ts'
import { envelopeId } from '../../../crdt/codec/envelope-codec.ts'
import { MemoryService } from '../../../daemon/memory/memory-service.ts'
import { BatchWriter, MemoryStore } from '../../../daemon/memory/memory-store.ts'
import { NodeStore } from '../../../daemon/store/index.ts'
import type { BytesSublevel } from '../../../daemon/store/index.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { putAndSeal, writerReplica } from '../../helpers/memory-fixtures.ts'

const NOW = 1_700_000_000_000
const NS: NamespaceConfig = { id: 'incident-42', members: ['acme', 'globex'], writers: ['acme', 'globex'] }
const quiet = { info: () => {}, warn: () => {} }

const dirs: string[] = []
const opened: NodeStore[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-mem-store-'))
  dirs.push(d)
  return d
}
async function open (dir: string): Promise<NodeStore> {
  const s = await NodeStore.open(dir)
  opened.push(s)
  return s
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => {})
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

let seed = 7
/**
 * A service over the store whose clock stands still: batches seal at once (window 0).
 * Each start gets its own seed: a restart must draw a fresh clientID (a reused one diverges peers after lost updates).
 */
function service (db: NodeStore, random = seededRandom(seed++)): MemoryService {
  return new MemoryService(
    { signer: fakeSigner('peer-acme'), verifier: fakeVerifier, clock: { nowMs: () => NOW }, random, store: new MemoryStore(db.sublevel('memory')), log: quiet },
    { org: 'acme', role: 'peer', namespaces: [NS], limits: { batchWindowMs: 0 } }
  )
}

describe('MemoryStore', () => {
  it('counts epochs durably across reopen', async () => {
    const dir = tempDir()
    let db = await open(dir)
    const store = new MemoryStore(db.sublevel('memory'))
    expect(await store.nextEpoch()).toBe(1)
    expect(await store.nextEpoch()).toBe(2)
    await db.close()
    db = await open(dir)
    expect(await new MemoryStore(db.sublevel('memory')).nextEpoch()).toBe(3)
  })

  it('a write acknowledged by the service is on disk: a reopened store finds it (no stop, no drain)', async () => {
    const dir = tempDir()
    const db = await open(dir)
    const svc = service(db)
    await svc.start()
    const seq = await svc.write(NS.id, (r, now) => r.put('finding', { sev: 'high' }, now))
    expect(seq).toBe(1)
    // Close the database under the service, as a crash would leave it: only acknowledged writes count.
    await db.close()
    const again = await open(dir)
    const loaded = await new MemoryStore(again.sublevel('memory')).load(NS.id)
    expect(loaded.envelopes).toHaveLength(1)
    expect(loaded.envelopes[0]).toMatchObject({ namespace: NS.id, org: 'acme', peerId: 'peer-acme', epoch: 1, seq: 1 })

    const restarted = service(again)
    await restarted.start()
    expect(restarted.epoch).toBe(2)
    const got = restarted.forApi(NS.id, 'read').get('finding')
    expect(got?.value).toEqual({ sev: 'high' })
    expect(got?.provenance).toMatchObject({ org: 'acme', peerId: 'peer-acme', seq: 1, signatureValid: true })
    await restarted.stop()
  })

  it('a restart whose Random repeats the old clientID draws another one and keeps its memory', async () => {
    const db = await open(tempDir())
    const first = service(db, seededRandom(99))
    await first.start()
    await first.write(NS.id, (r, now) => r.put('k', 'v', now))
    const oldClient = first.forApi(NS.id, 'read').localWriter?.clientId
    await first.stop()
    const second = service(db, seededRandom(99))
    await second.start()
    const r = second.forApi(NS.id, 'read')
    expect(r.localWriter?.clientId).not.toBe(oldClient)
    expect(r.get('k')?.value).toBe('v')
    expect(r.counters.refused['foreign-client-id']).toBe(0)
    await second.stop()
  })

  it('loads envelopes in causal order and skips undecodable ones', async () => {
    const db = await open(tempDir())
    const sub = db.sublevel('memory')
    const store = new MemoryStore(sub)
    const a = writerReplica('acme', { ns: NS })
    const es = [putAndSeal(a, 'k', 1), putAndSeal(a, 'k', 2), putAndSeal(a, 'k', 3)]
    await store.putEnvelopes(NS.id, [...es].reverse())
    await sub.put(`e/${NS.id}/not-an-envelope`, Uint8Array.from([9, 9, 9]))
    const loaded = await store.load(NS.id)
    expect(loaded.envelopes.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(loaded.corrupt).toBe(1)
    expect(loaded.corruptKeys).toEqual([`memory/e/${NS.id}/not-an-envelope`])
    expect(loaded.checkpoint).toBeUndefined()
    expect((await store.load('other-ns')).envelopes).toEqual([])
    // A checkpoint that does not decode is named, never dropped.
    await sub.put(`c/${NS.id}`, Uint8Array.from([1, 2, 3]))
    await expect(store.load(NS.id)).rejects.toThrowError(new RegExp(`store memory: record memory/c/${NS.id} \\(the checkpoint of namespace ${NS.id}\\) does not decode`))
  })

  it('compaction stores the checkpoint and drops old bodies in one batch; provenance survives a restart', async () => {
    const dir = tempDir()
    const db = await open(dir)
    const svc = service(db)
    await svc.start()
    await svc.write(NS.id, (r, now) => r.put('owner', 'alice', now))
    await svc.write(NS.id, (r, now) => r.put('owner', 'bob', now))
    const store = new MemoryStore(db.sublevel('memory'))
    const r = svc.forApi(NS.id, 'read')
    const { checkpoint, dropped, sealed } = r.compact(NOW + 25 * 3600 * 1000)
    expect(dropped).toHaveLength(2)
    await store.saveCompaction(NS.id, checkpoint, dropped, sealed)
    const loaded = await store.load(NS.id)
    expect(loaded.envelopes).toEqual([])
    expect(loaded.checkpoint?.metas).toHaveLength(2)

    const restarted = service(db)
    await restarted.start()
    const r2 = restarted.forApi(NS.id, 'read')
    expect(r2.stateHash()).toBe(r.stateHash())
    expect(r2.history('owner').map((w) => [w.value, w.provenance.seq])).toEqual([['alice', 1], ['bob', 2]])
    await restarted.stop()
    await svc.stop()
  })
})

describe('BatchWriter', () => {
  const fakeDb = (batch: (ops: unknown[], opts?: unknown) => Promise<void>): BytesSublevel => ({ batch }) as unknown as BytesSublevel

  it('joins the writes of one tick into one synced batch and resolves them all', async () => {
    const batch = vi.fn(async (_ops: unknown[], _opts?: unknown) => {})
    const w = new BatchWriter(fakeDb(batch))
    await Promise.all([
      w.write([{ type: 'put', key: 'a', value: Uint8Array.of(1) }]),
      w.write([{ type: 'put', key: 'b', value: Uint8Array.of(2) }]),
      w.write([{ type: 'del', key: 'c' }])
    ])
    expect(batch).toHaveBeenCalledTimes(1)
    expect(batch.mock.calls[0]?.[0]).toHaveLength(3)
    expect(batch.mock.calls[0]?.[1]).toEqual({ sync: true })
  })

  it('a failed batch rejects every write in it; the next batch still goes', async () => {
    let fail = true
    const batch = vi.fn(async () => { if (fail) throw new Error('disk full') })
    const w = new BatchWriter(fakeDb(batch))
    const results = await Promise.allSettled([w.write([{ type: 'del', key: 'a' }]), w.write([{ type: 'del', key: 'b' }])])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    fail = false
    await w.write([{ type: 'del', key: 'c' }])
    await w.drain()
    expect(batch).toHaveBeenCalledTimes(2)
  })

  it('drain commits at once and waits for the disk', async () => {
    const order: string[] = []
    const w = new BatchWriter(fakeDb(async () => { order.push('batch') }))
    void w.write([{ type: 'del', key: 'a' }]).then(() => { order.push('resolved') })
    await w.drain()
    order.push('drained')
    expect(order[0]).toBe('batch') // committed without waiting for the next tick
    expect(order).toContain('drained')
  })
})

describe('envelope ids in the store', () => {
  it('keys bodies by envelope id', async () => {
    const db = await open(tempDir())
    const sub = db.sublevel('memory')
    const e = putAndSeal(writerReplica('acme', { ns: NS }), 'k', 'v')
    await new MemoryStore(sub).putEnvelopes(NS.id, [e])
    expect(await sub.get(`e/${NS.id}/${envelopeId(e)}`)).toBeInstanceOf(Uint8Array)
  })
})
