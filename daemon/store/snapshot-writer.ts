/**
 * Write-behind of the Speaker's restart state (Adj-RIB-In, damping, consumer outcomes,
 * origin seq).
 *
 * The Speaker emits no "persist" effects. After inputs that may change its state the
 * daemon calls `markDirty()`; at most every `intervalMs` the writer commits what changed
 * in batches. Bounded by construction: it never queues operations, only a dirty flag,
 * and one flush runs at a time. `flush()` on shutdown writes the rest.
 *
 * The tables come as the Speaker's journal of changed paths (takeAdjRibInChanges), so a
 * flush costs what changed, not the table: at 100,000 routes a rescan-and-diff of every
 * route each second held the event loop for hundreds of ms and kept a key and a
 * fingerprint per route (a few hundred bytes each). Damping entries and outcomes are
 * few (flapping paths, consumed paths) and are still diffed whole.
 *
 * A failed write leaves the store behind the journal it consumed: the next flush
 * rewrites the tables from a full snapshot.
 */
import { serialize } from 'node:v8'
import { encodeRoute, routePathKey, type Route } from '../../agp/index.ts'
import type { Speaker, SpeakerSnapshot } from '../../reflector/index.ts'
import { type BytesSublevel, ribKey, type NodeStore } from './node-store.ts'
import type { ReceivedRouteBytes } from './received-route-bytes.ts'

export interface SnapshotWriterInit {
  readonly speaker: Pick<Speaker, 'takeAdjRibInChanges' | 'restartState' | 'snapshot'>
  readonly intervalMs?: number
  readonly batchOps?: number
  readonly onError?: (err: unknown) => void
  /** The bytes received routes came as: their records, written as they came. */
  readonly received?: ReceivedRouteBytes
}

type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }
type TableOp = { type: 'put', sublevel: BytesSublevel, key: string, value: Uint8Array } | { type: 'del', sublevel: BytesSublevel, key: string }

export class SnapshotWriter {
  private readonly store: NodeStore
  private readonly init: SnapshotWriterInit
  private readonly intervalMs: number
  private readonly batchOps: number
  /** Peers whose table the store holds records of. */
  private readonly tablePeers = new Set<string>()
  /** The store may disagree with the journal (a failed write): rewrite the tables whole. */
  private resync = false
  private readonly damping = new Map<string, Buffer>()
  private readonly outcomes = new Map<string, string>()
  private originSeq = -1
  private dirty = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  flushes = 0

  constructor (store: NodeStore, init: SnapshotWriterInit) {
    this.store = store
    this.init = init
    this.intervalMs = init.intervalMs ?? 1000
    this.batchOps = init.batchOps ?? 5000
  }

  /**
   * Seeds the diff base with what the store already holds (the loaded snapshot the
   * Speaker was built from) and turns the Speaker's journal on. Call before the Speaker
   * handles its first input.
   */
  prime (loaded: SpeakerSnapshot): void {
    for (const { peer, routes } of loaded.adjRibIn) if (routes.length > 0) this.tablePeers.add(peer)
    this.init.speaker.takeAdjRibInChanges()
    for (const d of loaded.damping) this.damping.set(ribKey(d.peer, d.capability, d.pathKey), serialize(d))
    for (const o of loaded.outcomes ?? []) this.outcomes.set(o.key, JSON.stringify(o))
  }

  markDirty (): void {
    this.dirty = true
    if (this.timer !== undefined || this.running !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush().catch((err: unknown) => this.init.onError?.(err))
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Writes the pending difference now (waits for a flush in progress first). */
  async flush (): Promise<void> {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    while (this.running !== undefined) await this.running
    if (!this.dirty) return
    this.dirty = false
    this.running = this.write().finally(() => { this.running = undefined })
    await this.running
    if (this.dirty) this.markDirty()
  }

  private async write (): Promise<void> {
    try {
      await this.writeTables()
    } catch (err) {
      this.resync = true
      throw err
    }
    const snap = this.init.speaker.restartState()
    const dampOps: BatchOp[] = []
    const seenDamp = new Set<string>()
    for (const d of snap.damping) {
      const key = ribKey(d.peer, d.capability, d.pathKey)
      seenDamp.add(key)
      const bytes = serialize(d)
      if (this.damping.get(key)?.equals(bytes) === true) continue
      dampOps.push({ type: 'put', key, value: bytes })
      this.damping.set(key, bytes)
    }
    for (const key of this.damping.keys()) {
      if (!seenDamp.has(key)) { dampOps.push({ type: 'del', key }); this.damping.delete(key) }
    }
    const outcomeOps: ({ type: 'put', key: string, value: string } | { type: 'del', key: string })[] = []
    const seenOutcomes = new Set<string>()
    for (const o of snap.outcomes ?? []) {
      seenOutcomes.add(o.key)
      const json = JSON.stringify(o)
      if (this.outcomes.get(o.key) === json) continue
      outcomeOps.push({ type: 'put', key: o.key, value: json })
      this.outcomes.set(o.key, json)
    }
    for (const key of this.outcomes.keys()) {
      if (!seenOutcomes.has(key)) { outcomeOps.push({ type: 'del', key }); this.outcomes.delete(key) }
    }
    for (let i = 0; i < outcomeOps.length; i += this.batchOps) await this.store.outcomesDb.batch(outcomeOps.slice(i, i + this.batchOps))
    for (let i = 0; i < dampOps.length; i += this.batchOps) await this.store.dampingDb.batch(dampOps.slice(i, i + this.batchOps))
    if (snap.originSeq !== this.originSeq) {
      await this.store.metaDb.put('origin-seq', String(snap.originSeq))
      this.originSeq = snap.originSeq
    }
    this.flushes++
  }

  private async writeTables (): Promise<void> {
    const delta = this.init.speaker.takeAdjRibInChanges()
    if (this.resync) {
      await this.store.adjDb.clear()
      this.tablePeers.clear()
      this.resync = false
      const full = this.init.speaker.snapshot().adjRibIn
      for (const { peer, routes } of full) await this.putRoutes(peer, routes, [])
      return
    }
    const neighbors = new Set(delta.neighbors)
    for (const peer of [...this.tablePeers]) {
      if (!neighbors.has(peer)) { await this.clearPeer(peer); this.tablePeers.delete(peer) }
    }
    for (const c of delta.changes) {
      if (c.full) await this.clearPeer(c.peer)
      await this.putRoutes(c.peer, c.upserts, c.deletes)
    }
  }

  /**
   * The operations go to the root database naming the table's sublevel, which encodes
   * each once: a batch on the sublevel itself prepares every operation twice (the
   * sublevel's batch, then the root's), ~2 µs more per route (7.2 → 4.4–5.3 µs per
   * 450-byte route, measured with classic-level). Deletes first, then upserts,
   * `batchOps` records per write, each batch's routes encoded just before it is written
   * (a received route's record is the bytes it came as, when `received` holds them):
   * encoding a whole table up front held every record (~600 B each, 60 MB at 100,000
   * routes) at once.
   */
  private async putRoutes (peer: string, upserts: readonly Route[], deletes: readonly { readonly capability: string, readonly path: string }[]): Promise<void> {
    if (upserts.length > 0) this.tablePeers.add(peer)
    const sublevel = this.store.adjDb
    for (let i = 0; i < deletes.length; i += this.batchOps) {
      const ops = deletes.slice(i, i + this.batchOps).map((d): TableOp => ({ type: 'del', sublevel, key: ribKey(peer, d.capability, d.path) }))
      await this.store.db.batch<string, Uint8Array>(ops, {})
    }
    const received = this.init.received
    for (let i = 0; i < upserts.length; i += this.batchOps) {
      const ops = upserts.slice(i, i + this.batchOps).map((route): TableOp =>
        ({ type: 'put', sublevel, key: ribKey(peer, route.attrs.capability, routePathKey(route)), value: received?.take(route) ?? encodeRoute(route) }))
      await this.store.db.batch<string, Uint8Array>(ops, {})
    }
  }

  /** Every record of one peer's table (keys are `peer \0 capability \0 path`). */
  private async clearPeer (peer: string): Promise<void> {
    await this.store.adjDb.clear({ gte: `${peer}\0`, lt: `${peer}\u0001` })
  }
}
