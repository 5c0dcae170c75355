/**
 * level persistence of memory: every applied envelope (original bytes, by id), one
 * checkpoint per namespace after compaction, and the epoch counter. Writes from one
 * tick are joined into one db.batch (BatchWriter); a caller's promise resolves once
 * its batch is on disk, which is what `PUT … → { ok, seq }` waits for.
 *
 *   e/<ns>/<envelope id>  → encodeEnvelope
 *   c/<ns>                → encodeCheckpoint
 *   epoch                 → decimal, incremented at every start
 */
import {
  compareCausal, decodeCheckpoint, decodeEnvelope, encodeCheckpoint, encodeEnvelope, envelopeId
} from '../../crdt/index.ts'
import type { Checkpoint, Envelope } from '../../crdt/index.ts'
import { StoreError } from '../store/errors.ts'
import type { BytesSublevel } from '../store/node-store.ts'

type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const MAX_OPS_PER_BATCH = 10_000
/**
 * classic-level's `sync` (fsync before the write resolves): abstract-level sublevels
 * forward options to the root database, but their types do not list it.
 */
const SYNC: object = { sync: true }

/** Joins the writes of one tick into one level batch. */
export class BatchWriter {
  private ops: Op[] = []
  private waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  private scheduled = false
  private chain: Promise<void> = Promise.resolve()
  constructor (private readonly db: BytesSublevel) {}

  write (ops: readonly Op[]): Promise<void> {
    this.ops.push(...ops)
    const p = new Promise<void>((resolve, reject) => { this.waiters.push({ resolve, reject }) })
    if (this.ops.length >= MAX_OPS_PER_BATCH) this.commit()
    else if (!this.scheduled) { this.scheduled = true; setImmediate(() => { this.commit() }) }
    return p
  }

  /** Resolves when everything written so far is on disk. */
  async drain (): Promise<void> { this.commit(); await this.chain }

  private commit (): void {
    this.scheduled = false
    if (this.ops.length === 0) return
    const ops = this.ops
    const waiters = this.waiters
    this.ops = []
    this.waiters = []
    this.chain = this.chain.then(async () => {
      try {
        // sync: a PUT is acknowledged as durable, so the batch must reach the disk,
        // not only the OS cache (one fsync per tick's batch, not per write).
        await this.db.batch(ops, SYNC)
        for (const w of waiters) w.resolve()
      } catch (err) {
        for (const w of waiters) w.reject(err as Error)
      }
    })
  }
}

export interface LoadedNamespace {
  readonly checkpoint: Checkpoint | undefined
  /** Stored envelopes in a causal order (predecessors first); undecodable ones skipped. */
  readonly envelopes: readonly Envelope[]
  readonly corrupt: number
  /** Keys of the undecodable envelopes (members re-send what this node lacks at sync). */
  readonly corruptKeys: readonly string[]
}

export interface MemoryStoreOptions {
  /**
   * atpd --repair: records that do not decode are deleted (and logged, with their
   * keys) instead of refusing the start or being skipped again at every start.
   */
  readonly repair?: boolean
  readonly log?: { warn: (obj: object, msg: string) => void }
}

export class MemoryStore {
  private readonly writer: BatchWriter
  constructor (private readonly db: BytesSublevel, private readonly options: MemoryStoreOptions = {}) {
    this.writer = new BatchWriter(db)
  }

  /** The next process lifetime number (durable before it is used). */
  async nextEpoch (): Promise<number> {
    let last = 0
    try { last = Number(new TextDecoder().decode(await this.db.get('epoch') ?? new Uint8Array())) || 0 } catch { last = 0 }
    const epoch = last + 1
    // Synced: an epoch reused after a power loss would reuse a stream with a new clientId.
    await this.db.put('epoch', new TextEncoder().encode(String(epoch)), SYNC)
    return epoch
  }

  /**
   * A namespace's checkpoint and envelopes. An undecodable envelope is skipped and
   * named (the sync protocol fetches it again from the members that hold it); with
   * `repair` it is also deleted. An undecodable checkpoint is a StoreError naming its
   * key: it may hold the only copy of compacted history, so it is never dropped
   * silently — only `repair` deletes it, and says so (the members' sync sends their
   * state again).
   */
  async load (ns: string): Promise<LoadedNamespace> {
    const { repair = false, log } = this.options
    const raw = await this.db.get(`c/${ns}`)
    let checkpoint: Checkpoint | undefined
    const dropped: string[] = []
    try {
      checkpoint = raw === undefined ? undefined : decodeCheckpoint(raw)
    } catch (err) {
      if (!repair) {
        throw new StoreError(`store memory: record memory/c/${ns} (the checkpoint of namespace ${ns}) does not decode: ${(err as Error).message}. ` +
          'Start atpd with --repair to drop it (the namespace is then rebuilt from what the members send)', { cause: err })
      }
      await this.db.del(`c/${ns}`, SYNC)
      dropped.push(`memory/c/${ns}`)
    }
    const envelopes: Envelope[] = []
    const corruptKeys: string[] = []
    for await (const [key, value] of this.db.iterator({ gt: `e/${ns}/`, lt: `e/${ns}/~` })) {
      try { envelopes.push(decodeEnvelope(value)) } catch { corruptKeys.push(`memory/${key}`) }
    }
    if (repair && corruptKeys.length > 0) {
      await this.db.batch(corruptKeys.map((k) => ({ type: 'del' as const, key: k.slice('memory/'.length) })), SYNC)
      dropped.push(...corruptKeys)
    }
    if (dropped.length > 0) log?.warn({ namespace: ns, dropped: dropped.slice(0, 100), count: dropped.length }, 'memory store repaired: records that did not decode were dropped (listed here)')
    envelopes.sort(compareCausal)
    return { checkpoint, envelopes, corrupt: corruptKeys.length, corruptKeys }
  }

  async putEnvelopes (ns: string, envelopes: readonly Envelope[]): Promise<void> {
    if (envelopes.length === 0) return
    await this.writer.write(envelopes.map((e) => ({ type: 'put' as const, key: `e/${ns}/${envelopeId(e)}`, value: encodeEnvelope(e) })))
  }

  /** Stores a checkpoint and drops the envelope bodies it made redundant, atomically. */
  async saveCompaction (ns: string, checkpoint: Checkpoint, dropped: readonly string[], sealed: readonly Envelope[]): Promise<void> {
    await this.writer.write([
      ...sealed.map((e) => ({ type: 'put' as const, key: `e/${ns}/${envelopeId(e)}`, value: encodeEnvelope(e) })),
      { type: 'put', key: `c/${ns}`, value: encodeCheckpoint(checkpoint) },
      ...dropped.map((id) => ({ type: 'del' as const, key: `e/${ns}/${id}` }))
    ])
  }

  async drain (): Promise<void> { await this.writer.drain() }
}
