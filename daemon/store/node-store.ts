/**
 * The daemon's level database, `<dataDir>/db`:
 *
 *   agents/<id>                       LocalAgent JSON          (written synced, before the API answers)
 *   adj-rib-in/<peer>\0<cap>\0<path>  encodeRoute bytes         (write-behind, graceful restart)
 *   damping/<peer>\0<cap>\0<path>     v8-serialized state       (write-behind)
 *   outcomes/<org>/<agent>            OutcomeRecord JSON        (write-behind)
 *   meta/origin-seq                   highest origin seq persisted
 *   meta/clean-shutdown               'true' after a clean stop, 'false' while running
 *   meta/audit-checkpoint             latest signed audit checkpoint (JSON)
 *
 * Other components (memory) get sublevels of their own through `sublevel(name)`, since
 * only one process may hold the database.
 */
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { deserialize } from 'node:v8'
import { Level } from 'level'
import { decodeRoute, localAgentProblem } from '../../agp/index.ts'
import type { LocalAgent, SpeakerSnapshot } from '../../reflector/index.ts'
import type { OutcomeRecord, Route } from '../../agp/index.ts'
import { zodIssues } from '../config/load.ts'
import { agentSchema } from '../config/schema-agent.ts'
import { StoreError } from './errors.ts'
import { checkTables } from './table-check.ts'
import { checkWal, type WalDamage } from './wal-check.ts'

export const DB_DIR = 'db'

/** Origin sequence numbers skipped after an unclean stop: more than a flush interval can use. */
export const ORIGIN_SEQ_CRASH_GAP = 1_000_000

export type Db = Level<string, string>
/** A sublevel with string keys and byte values. */
export type BytesSublevel = ReturnType<typeof bytesSublevel>

/** A sublevel with string keys and string values. */
export type TextSublevel = ReturnType<typeof textSublevel>

function bytesSublevel (db: Db, name: string) {
  return db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' })
}

function textSublevel (db: Db, name: string) {
  return db.sublevel<string, string>(name, { valueEncoding: 'utf8' })
}

export interface LoadedState {
  readonly snapshot: SpeakerSnapshot
  /** Whether the previous run stopped cleanly. */
  readonly cleanShutdown: boolean
  /** Records that did not decode and were skipped (logged by the caller). */
  readonly skipped: number
  /** Stored agents that no longer validate: left out of the snapshot, named for the log. */
  readonly skippedAgents: readonly SkippedAgent[]
}

export interface SkippedAgent { readonly key: string, readonly reason: string }

export interface StoreOpenOptions {
  /** Open a damaged store anyway, keeping what can be read (atpd --repair). */
  readonly repair?: boolean
}

/** What `--repair` found and dropped. */
export interface RepairReport {
  /** Damage found in the write-ahead logs before the open. */
  readonly wal: readonly WalDamage[]
  /** Level's own account of what it dropped (lines of db/LOG). */
  readonly levelLog: string[]
  /** Records that did not decode, deleted. */
  readonly dropped: string[]
  /** Whether unreadable tables were rebuilt by RepairDB. */
  tablesRebuilt: boolean
}

export class NodeStore {
  // The database and its sublevels are assigned by reopen(), which the constructor calls:
  // a repair reopens the database, and the sublevels must follow it.
  db!: Db
  agentsDb!: TextSublevel
  adjDb!: BytesSublevel
  dampingDb!: BytesSublevel
  metaDb!: TextSublevel
  outcomesDb!: TextSublevel

  /** What a repair found and dropped (undefined without --repair). */
  report: RepairReport | undefined

  private constructor (db: Db, readonly location: string) {
    this.reopen(db)
  }

  /**
   * Opens the store after a read-only check of its write-ahead log (wal-check.ts).
   * Damage refuses the start with the file and offset, nothing changed, unless
   * `repair`: then level drops what it cannot read (and rebuilds unreadable tables
   * with its RepairDB), and `repairReport` says what went.
   */
  static async open (dataDir: string, options: StoreOpenOptions = {}): Promise<NodeStore> {
    const location = join(dataDir, DB_DIR)
    await mkdir(location, { recursive: true, mode: 0o700 })
    const wal = checkWal(location)
    if (wal.length > 0 && options.repair !== true) {
      throw new StoreError(`store ${location} is damaged: ${wal.map((d) => `${d.file} at byte ${d.offset}: ${d.reason}`).join('; ')}. ` +
        'Nothing was changed. Start atpd with --repair to keep what can be read and drop the rest (docs/operations.md)')
    }
    const db = await openLevel(location, options.repair === true)
    const store = new NodeStore(db, location)
    if (options.repair === true) store.report = { wal, levelLog: levelLogDamage(location), dropped: [], tablesRebuilt: false }
    return store
  }

  /** A namespace of its own for another component (e.g. 'memory'); values are bytes. */
  sublevel (name: string): BytesSublevel {
    if (['agents', 'adj-rib-in', 'damping', 'meta', 'outcomes'].includes(name)) throw new StoreError(`sublevel '${name}' is reserved`)
    return bytesSublevel(this.db, name)
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  /** Durable (fsync) before it resolves: the API answers only then. */
  async putAgent (agent: LocalAgent): Promise<void> {
    await this.db.batch([{ type: 'put', sublevel: this.agentsDb, key: agent.id, value: JSON.stringify(agent) }], { sync: true })
  }

  async deleteAgent (id: string): Promise<void> {
    await this.db.batch([{ type: 'del', sublevel: this.agentsDb, key: id }], { sync: true })
  }

  /** True when a record exists under `id`, readable or not. */
  async hasAgent (id: string): Promise<boolean> {
    return (await this.agentsDb.get(id)) !== undefined
  }

  /**
   * Stored agents that still pass the agent schema and the wire's rule; the others are
   * listed in `skipped` with their key and reason (one bad record must not stop the
   * rest). A record that is not JSON at all is damage, not an old format: StoreError
   * naming the store and the key.
   */
  async listAgents (): Promise<{ agents: LocalAgent[], skipped: SkippedAgent[] }> {
    const agents: LocalAgent[] = []
    const skipped: SkippedAgent[] = []
    for await (const [key, value] of this.agentsDb.iterator()) {
      let raw: unknown
      try {
        raw = JSON.parse(value)
      } catch (err) {
        if (this.report === undefined) {
          throw new StoreError(`store ${this.location}: record agents/${key} is not JSON (${(err as Error).message}); start atpd with --repair to drop it`, { cause: err })
        }
        await this.agentsDb.del(key)
        this.report.dropped.push(`agents/${key}`)
        continue
      }
      const problem = storedAgentProblem(key, raw)
      if (problem === undefined) agents.push(raw as LocalAgent)
      else skipped.push({ key: `agents/${key}`, reason: problem })
    }
    return { agents, skipped }
  }

  /** The latest signed audit checkpoint (JSON), kept apart from the log it covers. */
  async getAuditCheckpoint (): Promise<string | undefined> {
    return await this.metaDb.get('audit-checkpoint')
  }

  async putAuditCheckpoint (json: string): Promise<void> {
    await this.db.batch([{ type: 'put', sublevel: this.metaDb, key: 'audit-checkpoint', value: json }], { sync: true })
  }

  async setCleanShutdown (clean: boolean): Promise<void> {
    await this.db.batch([{ type: 'put', sublevel: this.metaDb, key: 'clean-shutdown', value: String(clean) }], { sync: true })
  }

  /**
   * Everything a restarted Speaker needs, plus whether the last stop was clean. A
   * section level cannot read (a damaged table file) refuses the start, naming the
   * store; with --repair, level's RepairDB rebuilds the tables and the load runs again.
   */
  async load (): Promise<LoadedState> {
    try {
      return await this.loadOnce()
    } catch (err) {
      if (err instanceof StoreError) throw err
      if (this.report === undefined) {
        const tables = checkTables(this.location)
        throw new StoreError(`store ${this.location} is unreadable: ${(err as Error).message}${tables.map((d) => `; ${d.file} at byte ${d.offset}: ${d.reason}`).join('')}. ` +
          'Start atpd with --repair to keep what can be read and drop the rest', { cause: err })
      }
      await this.db.close()
      await repairLevel(this.location)
      this.reopen(await openLevel(this.location, true))
      this.report.tablesRebuilt = true
      this.report.levelLog.push(...levelLogDamage(this.location))
      return await this.loadOnce()
    }
  }

  private reopen (db: Db): void {
    this.db = db
    this.agentsDb = textSublevel(db, 'agents')
    this.adjDb = bytesSublevel(db, 'adj-rib-in')
    this.dampingDb = bytesSublevel(db, 'damping')
    this.metaDb = textSublevel(db, 'meta')
    this.outcomesDb = textSublevel(db, 'outcomes')
  }

  private async loadOnce (): Promise<LoadedState> {
    let skipped = 0
    const byPeer = new Map<string, Route[]>()
    for await (const [key, value] of this.adjDb.iterator()) {
      const peer = key.split('\0', 1)[0] ?? ''
      const decoded = decodeRoute(value)
      if (!decoded.ok) { skipped++; continue }
      let list = byPeer.get(peer)
      if (list === undefined) byPeer.set(peer, list = [])
      list.push(decoded.value)
    }
    const damping: SpeakerSnapshot['damping'][number][] = []
    for await (const value of this.dampingDb.values()) {
      try {
        damping.push(deserialize(value) as SpeakerSnapshot['damping'][number])
      } catch {
        skipped++
      }
    }
    const outcomes: OutcomeRecord[] = []
    for await (const value of this.outcomesDb.values()) {
      // Shape is checked by LocalOutcomes.restore, which skips what is not plausible.
      try { outcomes.push(JSON.parse(value) as OutcomeRecord) } catch { skipped++ }
    }
    const cleanShutdown = (await this.metaDb.get('clean-shutdown')) !== 'false'
    const storedSeq = Number((await this.metaDb.get('origin-seq')) ?? '0')
    const seq = Number.isSafeInteger(storedSeq) && storedSeq >= 0 ? storedSeq : 0
    const { agents, skipped: skippedAgents } = await this.listAgents()
    await this.scrub()
    return {
      snapshot: {
        localAgents: agents,
        adjRibIn: [...byPeer].map(([peer, routes]) => ({ peer, routes })),
        damping,
        outcomes,
        // After a crash the last seqs used may not have been flushed: never reuse one.
        originSeq: cleanShutdown ? seq : seq + ORIGIN_SEQ_CRASH_GAP
      },
      cleanShutdown,
      skipped,
      skippedAgents
    }
  }

  /**
   * Reads every record of the database, the other components' sublevels (memory)
   * included. Level finds a damaged table only when it reads it: one that holds only
   * memory records would pass the sections above and fail later, in the memory
   * component's start, with no store named and out of reach of --repair. The error
   * names the last key read, where the unreadable part begins (level does not say which
   * table file).
   */
  private async scrub (): Promise<void> {
    let last = ''
    try {
      for await (const [key] of this.db.iterator({ fillCache: false })) last = key
    } catch (err) {
      throw new Error(`${(err as Error).message} (the first unreadable record follows key ${JSON.stringify(last)})`, { cause: err })
    }
  }
}

/** Why a stored agent record cannot be used (shape, then the wire's rule); undefined when it can. */
function storedAgentProblem (key: string, raw: unknown): string | undefined {
  const parsed = agentSchema.safeParse(raw)
  if (!parsed.success) return zodIssues(parsed.error).map((i) => `${i.path}: ${i.reason}`).join('; ')
  if (parsed.data.id !== key) return `id '${parsed.data.id}' differs from its key`
  return localAgentProblem(parsed.data)
}

async function openLevel (location: string, repair: boolean): Promise<Db> {
  const db = new Level<string, string>(location)
  try {
    await db.open()
    return db
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? ''
    if (/lock/i.test(cause)) throw new StoreError(`${location} is locked: another atpd is running on this dataDir`, { cause: err })
    if (!repair) {
      throw new StoreError(`cannot open store ${location}: ${(err as Error).message} ${cause}`.trim() + '. If it is damaged, start atpd with --repair to keep what can be read', { cause: err })
    }
  }
  await repairLevel(location)
  const again = new Level<string, string>(location)
  await again.open()
  return again
}

/** LevelDB's RepairDB: rebuilds the manifest from the table files it can read. */
async function repairLevel (location: string): Promise<void> {
  await (Level as unknown as { repair: (location: string) => Promise<void> }).repair(location)
}

/** Lines of level's own log (`db/LOG`, rewritten at every open) that report dropped data. */
function levelLogDamage (location: string): string[] {
  let text: string
  try { text = readFileSync(join(location, 'LOG'), 'utf8') } catch { return [] }
  return text.split('\n').filter((l) => /corruption|dropping|ignoring error|IO error/i.test(l)).map((l) => l.replace(/^\S+ \S+ /, ''))
}

export function ribKey (peer: string, capability: string, path: string): string {
  return `${peer}\0${capability}\0${path}`
}
