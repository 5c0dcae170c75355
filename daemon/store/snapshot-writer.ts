/**
 * Write-behind of the Speaker's restart state (Adj-RIB-In, damping, consumer outcomes,
 * origin seq).
 *
 * The Speaker emits no "persist" effects; its `snapshot()` is the truth. After inputs
 * that may change it the daemon calls `markDirty()`; at most every `intervalMs` the
 * writer takes a snapshot, diffs it against what it last wrote and commits the
 * difference in batches. Bounded by construction: it never queues operations, only a
 * dirty flag, and one flush runs at a time. `flush()` on shutdown writes the rest.
 *
 * Diff: routes are immutable values, so the same object means unchanged; otherwise a
 * cheap fingerprint of what can change (seq, signature, path attributes) decides.
 */
import { serialize } from 'node:v8'
import { encodeRoute, type Route, routePathKey } from '../../agp/index.ts'
import type { SpeakerSnapshot } from '../../reflector/index.ts'
import { ribKey, type NodeStore } from './node-store.ts'

export interface SnapshotWriterInit {
  readonly snapshot: () => SpeakerSnapshot
  readonly intervalMs?: number
  readonly batchOps?: number
  readonly onError?: (err: unknown) => void
}

type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export class SnapshotWriter {
  private readonly store: NodeStore
  private readonly init: SnapshotWriterInit
  private readonly intervalMs: number
  private readonly batchOps: number
  private readonly routes = new Map<string, { route: Route, fp: string }>()
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

  /** Seeds the diff base with what the store already holds (the loaded snapshot). */
  prime (loaded: SpeakerSnapshot): void {
    for (const { peer, routes } of loaded.adjRibIn) {
      for (const r of routes) this.routes.set(ribKey(peer, r.attrs.capability, routePathKey(r)), { route: r, fp: fingerprint(r) })
    }
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
    const snap = this.init.snapshot()
    const adjOps: BatchOp[] = []
    const seen = new Set<string>()
    for (const { peer, routes } of snap.adjRibIn) {
      for (const route of routes) {
        const key = ribKey(peer, route.attrs.capability, routePathKey(route))
        seen.add(key)
        const prev = this.routes.get(key)
        if (prev?.route === route) continue
        const fp = fingerprint(route)
        if (prev?.fp === fp) { this.routes.set(key, { route, fp }); continue }
        adjOps.push({ type: 'put', key, value: encodeRoute(route) })
        this.routes.set(key, { route, fp })
      }
    }
    for (const key of this.routes.keys()) {
      if (!seen.has(key)) { adjOps.push({ type: 'del', key }); this.routes.delete(key) }
    }
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
    for (let i = 0; i < adjOps.length; i += this.batchOps) await this.store.adjDb.batch(adjOps.slice(i, i + this.batchOps))
    for (let i = 0; i < dampOps.length; i += this.batchOps) await this.store.dampingDb.batch(dampOps.slice(i, i + this.batchOps))
    if (snap.originSeq !== this.originSeq) {
      await this.store.metaDb.put('origin-seq', String(snap.originSeq))
      this.originSeq = snap.originSeq
    }
    this.flushes++
  }
}

function fingerprint (r: Route): string {
  const sig = r.signature
  return `${r.attrs.originSeq}|${r.attrs.originatedAtMs}|${sig.length}:${sig[0] ?? 0}.${sig[1] ?? 0}.${sig[31] ?? 0}.${sig[63] ?? 0}|${r.orgPath.join(',')}|${r.originatorId}|${r.clusterList.join(',')}|${r.pathTags.join(',')}`
}
