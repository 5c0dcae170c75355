// Damaged storage is detected, named and never lost silently: flipped bytes in the
// write-ahead log or a half-cut table file refuse the open/load (nothing changed)
// unless repair is asked for; a repair keeps what it can and reports what it dropped;
// a record that is not JSON names its store and key.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import type { LocalAgent } from '../../../reflector/types.ts'
import { NodeStore, StoreError } from '../../../daemon/store/index.ts'
import { agentFields } from '../../helpers/fixtures.ts'

const dirs: string[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-damage-'))
  dirs.push(d)
  return d
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const agent = (i: number): LocalAgent => ({ id: `agent-${i}`, ...agentFields() }) as LocalAgent

async function storeWith (dir: string, n: number): Promise<void> {
  const store = await NodeStore.open(dir)
  for (let i = 0; i < n; i++) await store.putAgent(agent(i))
  await store.setCleanShutdown(true)
  await store.close()
}

function dbFile (dir: string, suffix: string): string {
  const name = readdirSync(join(dir, 'db')).find((f) => f.endsWith(suffix))
  if (name === undefined) throw new Error(`no ${suffix} file`)
  return join(dir, 'db', name)
}

describe('store damage', () => {
  it('flipped bytes in the write-ahead log: refused with the file and offset, nothing changed; --repair reports what level dropped', async () => {
    const dir = tempDir()
    await storeWith(dir, 20)
    const wal = dbFile(dir, '.log')
    const bytes = readFileSync(wal)
    bytes[400] = (bytes[400] ?? 0) ^ 0xff
    writeFileSync(wal, bytes)
    const err = await NodeStore.open(dir).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(StoreError)
    expect((err as Error).message).toMatch(/is damaged: .*\.log at byte \d+: checksum mismatch\. Nothing was changed\. Start atpd with --repair/)
    expect(readFileSync(wal)).toEqual(bytes)

    const repaired = await NodeStore.open(dir, { repair: true })
    const loaded = await repaired.load()
    expect(repaired.report?.wal[0]).toMatchObject({ reason: 'checksum mismatch' })
    expect(repaired.report?.levelLog.join('\n')).toMatch(/dropping \d+ bytes; Corruption: checksum mismatch/)
    expect(loaded.snapshot.localAgents.length).toBeLessThan(20)
    await repaired.close()
    // Repaired: the next open is clean and keeps what survived.
    const again = await NodeStore.open(dir)
    expect((await again.load()).snapshot.localAgents.length).toBe(loaded.snapshot.localAgents.length)
    await again.close()
  })

  it('a half-cut table file: the load names the store; --repair rebuilds the tables and reports it', async () => {
    const dir = tempDir()
    await storeWith(dir, 200)
    // Reopening moves the log into a table file.
    await (await NodeStore.open(dir)).close()
    const table = dbFile(dir, '.ldb')
    const bytes = readFileSync(table)
    writeFileSync(table, bytes.subarray(0, bytes.length >> 1))
    const store = await NodeStore.open(dir).catch((e: unknown) => e)
    const err = store instanceof NodeStore ? await store.load().then(() => undefined, (e: unknown) => e) : store
    if (store instanceof NodeStore) await store.close()
    expect(err).toBeInstanceOf(StoreError)
    expect((err as Error).message).toMatch(/store .*db.* (is unreadable|cannot open).*--repair/s)

    const repaired = await NodeStore.open(dir, { repair: true })
    await repaired.load()
    expect(repaired.report?.tablesRebuilt === true || (repaired.report?.levelLog.length ?? 0) > 0).toBe(true)
    await repaired.close()
  })

  it('a record that is not JSON names its store and key; --repair drops it and keeps the others', async () => {
    const dir = tempDir()
    await storeWith(dir, 3)
    const db = new Level<string, string>(join(dir, 'db'))
    await db.open()
    await db.sublevel<string, string>('agents', { valueEncoding: 'utf8' }).put('agent-1', '{not json')
    await db.close()
    const store = await NodeStore.open(dir)
    await expect(store.load()).rejects.toThrowError(/store .*db: record agents\/agent-1 is not JSON .*--repair/)
    await store.close()
    const repaired = await NodeStore.open(dir, { repair: true })
    expect((await repaired.load()).snapshot.localAgents.map((a) => a.id)).toEqual(['agent-0', 'agent-2'])
    expect(repaired.report?.dropped).toEqual(['agents/agent-1'])
    await repaired.close()
  })

  it('an undamaged store opened with repair reports nothing and keeps everything', async () => {
    const dir = tempDir()
    await storeWith(dir, 5)
    const store = await NodeStore.open(dir, { repair: true })
    const loaded = await store.load()
    expect(loaded.snapshot.localAgents).toHaveLength(5)
    expect(loaded.cleanShutdown).toBe(true)
    expect(store.report).toEqual({ wal: [], levelLog: [], dropped: [], tablesRebuilt: false })
    await store.close()
  })
})
