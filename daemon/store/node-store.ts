/**
 * The daemon's level database, `<dataDir>/db`:
 *
 *   agents/<id>                       LocalAgent JSON          (written synced, before the API answers)
 *   adj-rib-in/<peer>\0<cap>\0<path>  encodeRoute bytes         (write-behind, graceful restart)
 *   damping/<peer>\0<cap>\0<path>     v8-serialized state       (write-behind)
 *   meta/origin-seq                   highest origin seq persisted
 *   meta/clean-shutdown               'true' after a clean stop, 'false' while running
 *   meta/audit-checkpoint             latest signed audit checkpoint (JSON)
 *
 * Other components (memory) get sublevels of their own through `sublevel(name)`, since
 * only one process may hold the database.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { deserialize } from 'node:v8'
import { Level } from 'level'
import { decodeRoute, localAgentProblem } from '../../agp/index.ts'
import type { LocalAgent, SpeakerSnapshot } from '../../reflector/index.ts'
import type { Route } from '../../agp/index.ts'
import { zodIssues } from '../config/load.ts'
import { agentSchema } from '../config/schema-agent.ts'
import { StoreError } from './errors.ts'

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

export class NodeStore {
  readonly db: Db
  readonly agentsDb: TextSublevel
  readonly adjDb: BytesSublevel
  readonly dampingDb: BytesSublevel
  readonly metaDb: TextSublevel

  private constructor (db: Db, readonly location: string) {
    this.db = db
    this.agentsDb = textSublevel(db, 'agents')
    this.adjDb = bytesSublevel(db, 'adj-rib-in')
    this.dampingDb = bytesSublevel(db, 'damping')
    this.metaDb = textSublevel(db, 'meta')
  }

  static async open (dataDir: string): Promise<NodeStore> {
    const location = join(dataDir, DB_DIR)
    await mkdir(location, { recursive: true, mode: 0o700 })
    const db = new Level<string, string>(location)
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? ''
      const locked = /lock/i.test(cause)
      throw new StoreError(locked
        ? `${location} is locked: another atpd is running on this dataDir`
        : `cannot open ${location}: ${(err as Error).message} ${cause}`.trim(), { cause: err })
    }
    return new NodeStore(db, location)
  }

  /** A namespace of its own for another component (e.g. 'memory'); values are bytes. */
  sublevel (name: string): BytesSublevel {
    if (['agents', 'adj-rib-in', 'damping', 'meta'].includes(name)) throw new StoreError(`sublevel '${name}' is reserved`)
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
        throw new StoreError(`${this.location}: record agents/${key} is not JSON (${(err as Error).message})`, { cause: err })
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

  /** Everything a restarted Speaker needs, plus whether the last stop was clean. */
  async load (): Promise<LoadedState> {
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
    const cleanShutdown = (await this.metaDb.get('clean-shutdown')) !== 'false'
    const storedSeq = Number((await this.metaDb.get('origin-seq')) ?? '0')
    const seq = Number.isSafeInteger(storedSeq) && storedSeq >= 0 ? storedSeq : 0
    const { agents, skipped: skippedAgents } = await this.listAgents()
    return {
      snapshot: {
        localAgents: agents,
        adjRibIn: [...byPeer].map(([peer, routes]) => ({ peer, routes })),
        damping,
        // After a crash the last seqs used may not have been flushed: never reuse one.
        originSeq: cleanShutdown ? seq : seq + ORIGIN_SEQ_CRASH_GAP
      },
      cleanShutdown,
      skipped,
      skippedAgents
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

export function ribKey (peer: string, capability: string, path: string): string {
  return `${peer}\0${capability}\0${path}`
}
