// --repair reaches the memory store, with real level files: a damaged table that holds
// only memory records refuses the load (naming the store, the table file and block)
// instead of passing it and failing later in the memory component; --repair rebuilds
// and the memory store opens. A memory record that does not decode refuses (checkpoint)
// or is skipped (envelope); --repair deletes it and logs what it dropped.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { NamespaceConfig } from '../../../crdt/acl.ts'
import { MemoryStore } from '../../../daemon/memory/memory-store.ts'
import { NodeStore, StoreError } from '../../../daemon/store/index.ts'
import { checkTables } from '../../../daemon/store/table-check.ts'
import { putAndSeal, writerReplica } from '../../helpers/memory-fixtures.ts'

const NS: NamespaceConfig = { id: 'incident-42', members: ['acme'], writers: ['acme'] }
const dirs: string[] = []
const opened: NodeStore[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-mem-damage-'))
  dirs.push(d)
  return d
}
async function open (dir: string, repair = false): Promise<NodeStore> {
  const s = await NodeStore.open(dir, { repair })
  opened.push(s)
  return s
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => {})
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function recorder (): { warn: (obj: object, msg: string) => void, lines: Array<{ obj: object, msg: string }> } {
  const lines: Array<{ obj: object, msg: string }> = []
  return { lines, warn: (obj, msg) => { lines.push({ obj, msg }) } }
}

const tables = (dir: string): string[] => readdirSync(join(dir, 'db')).filter((f) => f.endsWith('.ldb')).sort()

describe('memory store damage', () => {
  it('a damaged table of memory records refuses the load, naming the store, the table file and the block; --repair rebuilds and memory opens', async () => {
    const dir = tempDir()
    // The node's own records first, flushed into a table of their own by the reopen…
    let db = await open(dir)
    await db.setCleanShutdown(true)
    await db.close()
    await (await open(dir)).close()
    const before = tables(dir)
    // …then memory records only, flushed into a second table.
    db = await open(dir)
    const a = writerReplica('acme', { ns: NS })
    await new MemoryStore(db.sublevel('memory')).putEnvelopes(NS.id, Array.from({ length: 200 }, (_, i) => putAndSeal(a, `k${i}`, 'x'.repeat(200))))
    await db.close()
    await (await open(dir)).close()
    const memoryTable = tables(dir).find((t) => !before.includes(t))
    expect(memoryTable).toBeDefined()
    const file = join(dir, 'db', memoryTable ?? '')
    expect(checkTables(join(dir, 'db'))).toEqual([]) // the checker reads sound tables as sound
    // Flipped bytes inside one compressed data block: only a read of that block fails.
    const bytes = readFileSync(file)
    for (let i = 0; i < 64; i++) bytes[(bytes.length >> 1) + i] = (bytes[(bytes.length >> 1) + i] ?? 0) ^ 0xff
    writeFileSync(file, bytes)

    // Before: the node's sections read fine and the damage surfaced only in memory's start.
    db = await open(dir)
    const err = await db.load().then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(StoreError)
    expect((err as Error).message).toContain(`store ${join(dir, 'db')} is unreadable`)
    expect((err as Error).message).toMatch(new RegExp(`${file} at byte \\d+: data block: checksum mismatch`))
    expect((err as Error).message).toMatch(/--repair/)
    await db.close()

    const repaired = await open(dir, true)
    const loaded = await repaired.load()
    expect(loaded.cleanShutdown).toBe(true)
    expect(repaired.report?.tablesRebuilt).toBe(true)
    // What the repair could not read is gone; the memory store opens on what is left.
    const mem = await new MemoryStore(repaired.sublevel('memory')).load(NS.id)
    expect(mem.envelopes.length).toBeLessThan(200)
    expect(mem.corrupt).toBe(0)
    expect(checkTables(join(dir, 'db'))).toEqual([])
  })

  it('an undecodable checkpoint refuses with its key and --repair; repair drops it and the bad envelopes, and logs them', async () => {
    const dir = tempDir()
    const db = await open(dir)
    const sub = db.sublevel('memory')
    const a = writerReplica('acme', { ns: NS })
    await new MemoryStore(sub).putEnvelopes(NS.id, [putAndSeal(a, 'k', 1), putAndSeal(a, 'k', 2)])
    await sub.put(`c/${NS.id}`, Uint8Array.from([1, 2, 3]))
    await sub.put(`e/${NS.id}/not-an-envelope`, Uint8Array.from([9, 9, 9]))

    await expect(new MemoryStore(sub).load(NS.id)).rejects.toThrowError(new RegExp(`record memory/c/${NS.id} .*does not decode.*Start atpd with --repair`))

    const log = recorder()
    const loaded = await new MemoryStore(sub, { repair: true, log }).load(NS.id)
    expect(loaded.checkpoint).toBeUndefined()
    expect(loaded.envelopes.map((e) => e.seq)).toEqual([1, 2])
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]?.msg).toMatch(/memory store repaired/)
    expect(log.lines[0]?.obj).toMatchObject({ namespace: NS.id, count: 2, dropped: [`memory/c/${NS.id}`, `memory/e/${NS.id}/not-an-envelope`] })

    // Repaired for good: the next plain load is clean.
    const again = await new MemoryStore(sub).load(NS.id)
    expect(again.corrupt).toBe(0)
    expect(again.envelopes).toHaveLength(2)
  })
})
