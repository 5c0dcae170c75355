/**
 * The memory of one daemon: a Replica per configured namespace, persisted in level,
 * sealed in batches, compacted, and fed by the sync peers. The HTTP routes and the
 * sync protocol both go through here; all calls run on the daemon's single event loop.
 */
import { AtpError } from '../../kernel/index.ts'
import type { Clock, Hasher, Random, Signer, Verifier } from '../../kernel/index.ts'
import { canRead, canWrite, MemoryForbiddenError, Replica, UnknownNamespaceError } from '../../crdt/index.ts'
import type { Envelope, MemoryLimits, NamespaceConfig, ReceiveResult } from '../../crdt/index.ts'
import type { LoadedNamespace, MemoryStore } from './memory-store.ts'

export interface MemoryLog {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
}

export interface MemoryServiceComponents {
  readonly signer: Signer
  readonly verifier: Verifier
  /** SHA-256 for envelope ids and batch proofs (node:crypto's in the daemon). */
  readonly hasher?: Hasher
  readonly clock: Clock
  readonly random: Random
  readonly store: MemoryStore
  readonly log: MemoryLog
}

export interface MemoryServiceInit {
  readonly org: string
  readonly role: 'peer' | 'reflector'
  readonly namespaces: readonly NamespaceConfig[]
  /** peerId → org of configured neighbors. */
  readonly knownPeers?: ReadonlyMap<string, string>
  readonly limits?: Partial<MemoryLimits>
  /** How often the compaction job runs. */
  readonly compactEveryMs?: number
}

/** Stored envelopes re-verified and applied per call at start. */
const LOAD_CHUNK_ENVELOPES = 4096

/** New envelopes to push to the sync peers (`from`: the peer they came from, not sent back). */
export type EnvelopeListener = (namespace: string, envelopes: readonly Envelope[], from: string | undefined) => void

export class MemoryService {
  readonly replicas = new Map<string, Replica>()
  private readonly listeners = new Set<EnvelopeListener>()
  private readonly durableSeq = new Map<string, number>()
  private readonly waiters = new Map<string, Array<{ seq: number, resolve: () => void, reject: (e: Error) => void }>>()
  private flushTimer: NodeJS.Timeout | undefined
  private compactTimer: NodeJS.Timeout | undefined
  epoch = 0
  /** Envelopes for namespaces this node does not hold (a non-member should see none). */
  ignoredEnvelopes = 0

  constructor (private readonly components: MemoryServiceComponents, readonly init: MemoryServiceInit) {}

  async start (): Promise<void> {
    const { store, random, signer, verifier, hasher, clock, log } = this.components
    this.epoch = await store.nextEpoch()
    for (const ns of this.init.namespaces) {
      // A reflector holds every configured namespace to relay it; a peer only those its org reads.
      if (this.init.role !== 'reflector' && !canRead(ns, this.init.org)) continue
      const loaded = await store.load(ns.id)
      const clientId = freshClientId(random, loaded) // fresh every start: a reused clientID after lost updates diverges peers
      const writer = canWrite(ns, this.init.org) ? { org: this.init.org, signer, epoch: this.epoch, clientId } : undefined
      const replica = new Replica({ namespace: ns, verifier, ...(hasher !== undefined ? { hasher } : {}), ...(writer !== undefined ? { writer } : {}), ...(this.init.limits !== undefined ? { limits: this.init.limits } : {}), ...(this.init.knownPeers !== undefined ? { knownPeers: this.init.knownPeers } : {}) })
      if (loaded.checkpoint !== undefined) replica.restore(loaded.checkpoint)
      const rest = loaded.envelopes.filter((e) => !replica.attachBody(e))
      let refused = 0
      // In chunks: a batch whose members sit in one chunk is verified as a whole.
      for (let i = 0; i < rest.length; i += LOAD_CHUNK_ENVELOPES) {
        for (const res of replica.receiveMany(rest.slice(i, i + LOAD_CHUNK_ENVELOPES), clock.nowMs())) if (res.status === 'refused') refused++
      }
      if (loaded.corruptKeys.length > 0) log.warn({ namespace: ns.id, records: loaded.corruptKeys.slice(0, 100), count: loaded.corruptKeys.length }, 'memory: stored envelopes that do not decode were skipped (sync fetches them again from the members)')
      log.info({ namespace: ns.id, envelopes: loaded.envelopes.length, refused, corrupt: loaded.corrupt, stateHash: replica.stateHash() }, 'memory namespace loaded')
      this.replicas.set(ns.id, replica)
    }
    if (this.init.compactEveryMs !== undefined) this.compactTimer = setInterval(() => { void this.compactAll() }, this.init.compactEveryMs)
  }

  async stop (): Promise<void> {
    clearTimeout(this.flushTimer)
    clearInterval(this.compactTimer)
    await this.flushAll(true)
    await this.components.store.drain()
    for (const list of this.waiters.values()) for (const w of list) w.reject(new Error('memory stopping'))
    this.waiters.clear()
  }

  onEnvelopes (l: EnvelopeListener): () => void { this.listeners.add(l); return () => { this.listeners.delete(l) } }

  /** The replica for an API call: 404 unknown namespace, 403 when this org may not read/write. */
  forApi (ns: string, mode: 'read' | 'write'): Replica {
    const cfg = this.init.namespaces.find((n) => n.id === ns)
    if (cfg === undefined) throw new UnknownNamespaceError(ns)
    if (!canRead(cfg, this.init.org)) throw new MemoryForbiddenError(`org ${this.init.org} is not a member of namespace ${ns}`)
    if (mode === 'write' && !canWrite(cfg, this.init.org)) throw new MemoryForbiddenError(`org ${this.init.org} is not a writer of namespace ${ns}`)
    const r = this.replicas.get(ns)
    if (r === undefined) throw new UnknownNamespaceError(ns)
    return r
  }

  /** Runs a local write and resolves with its seq once the envelope carrying it is durable. */
  async write (ns: string, change: (r: Replica, nowMs: number) => number): Promise<number> {
    const r = this.forApi(ns, 'write')
    const seq = change(r, this.components.clock.nowMs())
    const done = new Promise<void>((resolve, reject) => {
      let list = this.waiters.get(ns)
      if (list === undefined) { list = []; this.waiters.set(ns, list) }
      list.push({ seq, resolve, reject })
    })
    this.scheduleFlush()
    await done
    return seq
  }

  /** Envelopes from a sync peer: applied ones are persisted, then pushed on. */
  receive (ns: string, envelopes: readonly Envelope[], from: string): ReceiveResult[] {
    const r = this.replicas.get(ns)
    if (r === undefined) { this.ignoredEnvelopes += envelopes.length; return [] }
    const results = r.receiveMany(envelopes, this.components.clock.nowMs())
    const applied: Envelope[] = []
    results.forEach((res, i) => {
      const e = envelopes[i] as Envelope
      if (res.status === 'applied') applied.push(...res.applied)
      else if (res.status === 'refused') this.components.log.warn({ namespace: ns, from, signer: e.peerId, seq: e.seq, reason: res.reason, detail: res.detail }, 'memory envelope refused')
    })
    if (applied.length > 0) {
      this.components.store.putEnvelopes(ns, applied).catch((err: unknown) => { this.components.log.warn({ err, namespace: ns }, 'memory persist failed') })
      this.emit(ns, applied, from)
    }
    return results
  }

  private emit (ns: string, envelopes: readonly Envelope[], from: string | undefined): void {
    for (const l of this.listeners) { try { l(ns, envelopes, from) } catch { /* a listener bug must not stop the others */ } }
  }

  private scheduleFlush (): void {
    let due: number | undefined
    for (const r of this.replicas.values()) { const d = r.dueAtMs(); if (d !== undefined && (due === undefined || d < due)) due = d }
    if (due === undefined || this.flushTimer !== undefined) return
    this.flushTimer = setTimeout(() => { this.flushTimer = undefined; void this.flushAll(false).finally(() => { this.scheduleFlush() }) }, Math.max(0, due - this.components.clock.nowMs()))
  }

  /** Seals due batches, persists them, resolves the writes they carry, pushes them. */
  async flushAll (force: boolean): Promise<void> {
    const now = this.components.clock.nowMs()
    const work: Array<Promise<void>> = []
    for (const [ns, r] of this.replicas) {
      const sealed = r.flush(now, force)
      if (sealed.length === 0) continue
      this.emit(ns, sealed, undefined)
      work.push(this.components.store.putEnvelopes(ns, sealed).then(() => { this.settle(ns, Math.max(...sealed.map((e) => e.seq)), undefined) }, (err: Error) => { this.settle(ns, Infinity, err) }))
    }
    await Promise.all(work)
  }

  private settle (ns: string, seq: number, err: Error | undefined): void {
    if (err === undefined) this.durableSeq.set(ns, Math.max(this.durableSeq.get(ns) ?? 0, seq))
    const list = this.waiters.get(ns) ?? []
    const durable = this.durableSeq.get(ns) ?? 0
    const keep = list.filter((w) => {
      if (err !== undefined) { w.reject(err); return false }
      if (w.seq <= durable) { w.resolve(); return false }
      return true
    })
    this.waiters.set(ns, keep)
  }

  /** Compaction job: checkpoint every namespace and drop old bodies, atomically per namespace. */
  async compactAll (): Promise<void> {
    for (const [ns, r] of this.replicas) {
      const { checkpoint, dropped, sealed } = r.compact(this.components.clock.nowMs())
      await this.components.store.saveCompaction(ns, checkpoint, dropped, sealed)
      if (sealed.length > 0) { this.settle(ns, Math.max(...sealed.map((e) => e.seq)), undefined); this.emit(ns, sealed, undefined) }
      this.components.log.info({ namespace: ns, metas: checkpoint.metas.length, dropped: dropped.length }, 'memory compacted')
    }
  }
}

/**
 * A random Yjs clientID not used by any stored envelope: reusing one of an earlier
 * stream would get every stored envelope of that stream refused (foreign-client-id).
 */
function freshClientId (random: Random, loaded: LoadedNamespace): number {
  const used = new Set<number>([...loaded.envelopes.map((e) => e.clientId), ...(loaded.checkpoint?.metas ?? []).map((m) => m.clientId)])
  for (let attempt = 0; attempt < 64; attempt++) {
    const id = 1 + Math.floor(random.next() * 0xFFFFFFFE)
    if (!used.has(id)) return id
  }
  throw new AtpError('ERR_MEMORY_INTERNAL', `no unused Yjs clientID after 64 draws (${used.size} in use): is the Random broken?`)
}
