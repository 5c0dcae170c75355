/**
 * A replica of one namespace: a Y.Doc plus the signed envelopes that built it.
 *
 *   receive(envelope, nowMs) → applied | duplicate | parked | refused{reason}
 *
 * A refused envelope changes nothing (every check runs before Y.applyUpdate) and is
 * counted by reason. Local changes (put/delete/editText) go into the doc at once and
 * into a pending batch; flush(nowMs) seals due batches into signed envelopes.
 * Pure: time arrives as nowMs, keys through Signer/Verifier.
 */
import * as Y from 'yjs'
import type { Hasher, Verifier } from '../kernel/index.ts'
import { defaultHasher, VerifiedRootCache } from '../kernel/index.ts'
import { canWrite } from './acl.ts'
import type { NamespaceConfig } from './acl.ts'
import { checkEnvelopeSignature, verifyCompleteBatches } from './codec/envelope-batch.ts'
import type { EnvelopeSignatureCheck } from './codec/envelope-batch.ts'
import { envelopeId } from './codec/envelope-codec.ts'
import type { Envelope } from './envelope.ts'
import { envelopeStream } from './envelope.ts'
import { MemoryDecodeError, MemoryForbiddenError } from './errors.ts'
import type { Checkpoint } from './codec/checkpoint-codec.ts'
import { DEFAULT_MEMORY_LIMITS } from './limits.ts'
import type { MemoryLimits } from './limits.ts'
import { LocalSeals } from './local-seal.ts'
import type { LocalWriter } from './local-seal.ts'
import { ParkingLot } from './parking-lot.ts'
import { PendingBatch } from './pending-batch.ts'
import { compareCausal } from './provenance-index.ts'
import type { EnvelopeMeta } from './provenance-index.ts'
import { REFUSE_REASONS } from './refuse-reason.ts'
import type { RefuseReason } from './refuse-reason.ts'
import { ReplicaState } from './replica-state.ts'
import { applyInspected } from './update-apply.ts'
import { ENTRIES_ROOT, inspectUpdate } from './update-inspect.ts'
import { checkEntry, checkKey, provenanceOf, readEntry } from './entries.ts'
import type { EntryRead, Provenance } from './entries.ts'
import { applyEdits, checkEdits, textOf } from './texts.ts'
import type { TextEdit } from './texts.ts'
import { textAuthors } from './text-authors.ts'
import type { AuthorRange } from './text-authors.ts'
import { entriesOf, stateHash, textKeys } from './state-hash.ts'
import type { VectorClock } from './vector-clock.ts'
import { dominates, missingEntries, streamKey } from './vector-clock.ts'

export interface ReplicaInit {
  readonly namespace: NamespaceConfig
  readonly verifier: Verifier
  /** SHA-256 for envelope ids and batch proofs (the daemon passes node:crypto's; default pure JS). */
  readonly hasher?: Hasher
  readonly writer?: LocalWriter
  readonly limits?: Partial<MemoryLimits>
  /** peerId → org known from configuration: binds those peers before any envelope. */
  readonly knownPeers?: ReadonlyMap<string, string>
}

export type ReceiveResult =
  | { readonly status: 'applied', readonly id: string, readonly applied: readonly Envelope[] }
  | { readonly status: 'duplicate', readonly id: string }
  | { readonly status: 'parked', readonly id: string, readonly missing: VectorClock }
  | { readonly status: 'refused', readonly id: string, readonly reason: RefuseReason, readonly detail: string }

export interface ReplicaCounters {
  applied: number
  duplicate: number
  parked: number
  refused: Record<RefuseReason, number>
}

const LOCAL = Symbol('atp-memory-local')
const REMOTE = Symbol('atp-memory-remote')

export class Replica {
  readonly namespace: NamespaceConfig
  readonly limits: MemoryLimits
  readonly doc = new Y.Doc({ gc: true })
  readonly counters: ReplicaCounters
  /** @internal shared with the query and checkpoint helpers */
  readonly state: ReplicaState
  private readonly hasher: Hasher
  private readonly signatures: EnvelopeSignatureCheck
  private readonly writer: LocalWriter | undefined
  private readonly seals: LocalSeals | undefined
  private readonly parking: ParkingLot
  private readonly batch: PendingBatch
  private readonly outbox: Envelope[] = []
  /** Time of the local transaction in progress (the Yjs 'update' callback has none). */
  private nowMs = 0

  constructor (init: ReplicaInit) {
    this.namespace = init.namespace
    this.limits = { ...DEFAULT_MEMORY_LIMITS, ...init.limits }
    this.hasher = init.hasher ?? defaultHasher
    this.signatures = { verifier: init.verifier, hasher: this.hasher, roots: new VerifiedRootCache(this.limits.maxVerifiedRoots) }
    this.writer = init.writer
    this.seals = init.writer === undefined ? undefined : new LocalSeals(init.writer, init.namespace.id, this.limits, this.hasher)
    this.state = new ReplicaState(this.limits.maxHistoryPerKey)
    this.parking = new ParkingLot(this.limits.maxParkedPerPeer, this.limits.maxParkedBytesPerPeer)
    this.batch = new PendingBatch(this.limits.batchWindowMs, this.limits.maxBatchUpdates, this.limits.maxUpdateBytes - 4096)
    this.counters = { applied: 0, duplicate: 0, parked: 0, refused: Object.fromEntries(REFUSE_REASONS.map((r) => [r, 0])) as Record<RefuseReason, number> }
    for (const [peerId, org] of init.knownPeers ?? []) this.state.peerOrg.set(peerId, org)
    if (this.writer !== undefined) {
      const w = this.writer
      this.doc.clientID = w.clientId
      this.state.bindClient(w.clientId, streamKey(w.signer.peerId, w.epoch))
      this.state.peerOrg.set(w.signer.peerId, w.org)
      this.doc.on('update', (update: Uint8Array, origin: unknown) => { if (origin === LOCAL) this.onLocalUpdate(update) })
    }
  }

  get parkedCount (): number { return this.parking.size }

  /** What this replica holds: stream → highest applied seq. */
  versionVector (): VectorClock { return new Map(this.state.applied) }

  /** The original signed envelopes `their` lacks that we still hold, in causal order. */
  missingFor (their: VectorClock, max = Number.MAX_SAFE_INTEGER): Envelope[] {
    const metas: EnvelopeMeta[] = []
    for (const [stream, n] of this.state.applied) {
      for (let seq = (their.get(stream) ?? 0) + 1; seq <= n; seq++) {
        const id = this.state.idAt(stream, seq)
        const meta = id === undefined ? undefined : this.state.index.meta(id)
        if (meta !== undefined && this.state.bodies.has(meta.id)) metas.push(meta)
      }
    }
    metas.sort(compareCausal)
    const out: Envelope[] = []
    for (const m of metas.slice(0, max)) { const b = this.state.bodies.get(m.id); if (b !== undefined) out.push(b) }
    return out
  }

  receive (e: Envelope, nowMs: number): ReceiveResult {
    return this.receiveOne(e, nowMs, undefined)
  }

  /**
   * Receives envelopes in order, as receive does one by one, with two savings for a
   * batch that arrives together: a batch whose members are all here is verified by
   * rebuilding its tree (verifyCompleteBatches), and the Yjs updates apply in one
   * transaction (one cleanup and one 'update' event instead of one per envelope; every
   * check still runs against the doc as the envelopes before it left it).
   */
  receiveMany (envelopes: readonly Envelope[], nowMs: number): ReceiveResult[] {
    const verified = verifyCompleteBatches(envelopes, this.signatures)
    const out: ReceiveResult[] = []
    this.doc.transact(() => { for (const e of envelopes) out.push(this.receiveOne(e, nowMs, verified)) }, REMOTE)
    return out
  }

  private receiveOne (e: Envelope, nowMs: number, verified: ReadonlySet<Envelope> | undefined): ReceiveResult {
    void nowMs // reserved: parking expiry; ordering never depends on time
    const id = envelopeId(e, this.hasher)
    // The stream key, once: every check below needs it.
    const stream = envelopeStream(e)
    const pre = this.precheck(e, id, stream, verified)
    if (pre !== undefined) return this.count(pre)
    if (!this.isReady(e, stream)) {
      if (!this.parking.park(e, id)) return this.count(refused(id, 'parking-full', `parking quota of ${e.peerId} is full`))
      this.counters.parked++
      const missing = missingEntries(this.state.applied, e.deps)
      missing.set(stream, e.seq - 1)
      return { status: 'parked', id, missing }
    }
    const r = this.apply(e, id, stream)
    if (r !== undefined) return this.count(r)
    return { status: 'applied', id, applied: [e, ...this.unpark()] }
  }

  /** Checks that need no state but the ACL. */
  private precheck (e: Envelope, id: string, stream: string, verified: ReadonlySet<Envelope> | undefined): ReceiveResult | undefined {
    if (e.namespace !== this.namespace.id) return refused(id, 'wrong-namespace', `envelope for "${e.namespace}" sent to "${this.namespace.id}"`)
    if (e.update.length > this.limits.maxUpdateBytes) return refused(id, 'oversize', `update of ${e.update.length} bytes > ${this.limits.maxUpdateBytes}`)
    if (e.deps.size > this.limits.maxDeps) return refused(id, 'oversize', `${e.deps.size} deps > ${this.limits.maxDeps}`)
    if (!canWrite(this.namespace, e.org)) return refused(id, 'not-writer', `org ${e.org} is not a writer of ${this.namespace.id}`)
    const seqCheck = this.sequenceCheck(e, id, stream)
    if (seqCheck !== undefined) return seqCheck
    if (this.parking.has(e.peerId, id)) return { status: 'duplicate', id }
    if (verified?.has(e) !== true && !checkEnvelopeSignature(e, this.signatures)) return refused(id, 'bad-signature', e.batch === undefined ? `signature of ${e.peerId} does not verify` : `leaf ${e.batch.index} of ${e.batch.size} leads to a root ${e.peerId} did not sign`)
    if ((e.deps.get(stream) ?? 0) !== e.seq - 1) return refused(id, 'bad-deps', `deps[${stream}] must be seq − 1 = ${e.seq - 1}`)
    return this.bindingCheck(e, id, stream)
  }

  /** Replay or duplicate of an applied seq. */
  private sequenceCheck (e: Envelope, id: string, stream: string): ReceiveResult | undefined {
    if (e.seq > (this.state.applied.get(stream) ?? 0)) return undefined
    if (this.state.idAt(stream, e.seq) === id) return { status: 'duplicate', id }
    return refused(id, 'replay', `seq ${e.seq} of ${stream} already applied with other content`)
  }

  /** peerId → org and clientId ↔ stream bindings (first applied envelope binds). */
  private bindingCheck (e: Envelope, id: string, stream: string): ReceiveResult | undefined {
    const boundOrg = this.state.peerOrg.get(e.peerId)
    if (boundOrg !== undefined && boundOrg !== e.org) return refused(id, 'org-mismatch', `peer ${e.peerId} is org ${boundOrg}, envelope claims ${e.org}`)
    const boundStream = this.state.clientStream.get(e.clientId)
    if (boundStream !== undefined && boundStream !== stream) return refused(id, 'foreign-client-id', `clientId ${e.clientId} is bound to ${boundStream}`)
    const boundClient = this.state.streamClient.get(stream)
    if (boundClient !== undefined && boundClient !== e.clientId) return refused(id, 'foreign-client-id', `stream ${stream} uses clientId ${boundClient}`)
    return undefined
  }

  private isReady (e: Envelope, stream: string): boolean {
    return e.seq === (this.state.applied.get(stream) ?? 0) + 1 && dominates(this.state.applied, e.deps)
  }

  /** Inspects then applies; undefined on success. */
  private apply (e: Envelope, id: string, stream: string): ReceiveResult | undefined {
    const inspected = inspectUpdate(this.doc, e.update, e.clientId, this.limits)
    if (!inspected.ok) return refused(id, inspected.reason, inspected.detail)
    applyInspected(this.doc, inspected.decoded, REMOTE)
    const { from, to, writes } = inspected.inspection
    this.state.record({ id, org: e.org, peerId: e.peerId, epoch: e.epoch, clientId: e.clientId, seq: e.seq, deps: e.deps, atMs: e.atMs, signature: e.signature, signatureValid: true, from, to }, e, writes, stream)
    this.counters.applied++
    return undefined
  }

  /** Applies every parked envelope that became ready, until none does. */
  private unpark (): Envelope[] {
    const out: Envelope[] = []
    let progress = this.parking.size > 0
    while (progress) {
      progress = false
      for (const { envelope, id } of this.parking.all()) {
        const stream = envelopeStream(envelope)
        const stale = this.sequenceCheck(envelope, id, stream)
        if (stale !== undefined) { this.parking.remove(envelope.peerId, id); this.count(stale); continue }
        if (!this.isReady(envelope, stream)) continue
        this.parking.remove(envelope.peerId, id)
        const r = this.sequenceCheck(envelope, id, stream) ?? this.bindingCheck(envelope, id, stream) ?? this.apply(envelope, id, stream)
        if (r !== undefined) { this.count(r); continue }
        out.push(envelope)
        progress = true
      }
    }
    return out
  }

  private count (r: ReceiveResult): ReceiveResult {
    if (r.status === 'refused') this.counters.refused[r.reason]++
    else if (r.status === 'duplicate') this.counters.duplicate++
    return r
  }

  // ── local writes ────────────────────────────────────────────────────────────

  /** Runs `fn` as one local transaction; its update joins the pending batch. */
  transactLocal (fn: () => void, nowMs: number): number {
    const w = this.requireWriter()
    this.nowMs = nowMs
    this.doc.transact(fn, LOCAL)
    return (this.state.applied.get(streamKey(w.signer.peerId, w.epoch)) ?? 0) + (this.seals?.count ?? 0) + (this.batch.isEmpty ? 0 : 1)
  }

  private onLocalUpdate (update: Uint8Array): void {
    if (this.batch.wouldOverflow(update)) this.seal(this.nowMs)
    this.batch.add(update, this.nowMs)
  }

  /** When the pending batch is due (driver schedules flush then), or undefined. */
  dueAtMs (): number | undefined { return this.batch.dueAtMs() }

  /**
   * Seals the batch if due (or `force`), signs every envelope sealed since the last
   * flush (one signature per batch of them) and returns them with any not yet taken.
   */
  flush (nowMs: number, force = false): Envelope[] {
    if (force ? !this.batch.isEmpty : this.batch.isDue(nowMs)) this.seal(nowMs)
    for (const { envelope: e, inspection: { from, to, writes } } of this.seals?.sign() ?? []) {
      this.state.record({ id: envelopeId(e, this.hasher), org: e.org, peerId: e.peerId, epoch: e.epoch, clientId: e.clientId, seq: e.seq, deps: e.deps, atMs: e.atMs, signature: e.signature, signatureValid: true, from, to }, e, writes)
      this.outbox.push(e)
    }
    return this.outbox.splice(0)
  }

  private seal (nowMs: number): void {
    const seals = this.seals
    const update = this.batch.take()
    if (seals === undefined || update === undefined) return
    seals.seal(this.doc, update, this.state.applied, nowMs)
  }

  /** Sets an entry; returns the seq of the envelope that will carry it. */
  put (key: string, value: unknown, nowMs: number): number {
    const clean = checkEntry(key, value, this.limits)
    this.requireWrite()
    return this.transactLocal(() => { this.doc.getMap(ENTRIES_ROOT).set(key, clean) }, nowMs)
  }

  /** Deletes an entry; undefined when the key does not exist. */
  delete (key: string, nowMs: number): number | undefined {
    checkKey(key, this.limits)
    this.requireWrite()
    const map = this.doc.getMap(ENTRIES_ROOT)
    if (!map.has(key)) return undefined
    return this.transactLocal(() => { map.delete(key) }, nowMs)
  }

  editText (key: string, edits: readonly TextEdit[], nowMs: number): number {
    checkKey(key, this.limits)
    this.requireWrite()
    const text = textOf(this.doc, key)
    checkEdits(edits, text.length, this.limits)
    return this.transactLocal(() => { applyEdits(text, edits) }, nowMs)
  }

  get (key: string): EntryRead | undefined { return readEntry(this.doc, this.state.index, key) }

  /** Writes to a key in causal order, deletions included. */
  history (key: string): Array<{ value: unknown, deleted: boolean, provenance: Provenance }> {
    return this.state.index.keyHistory(key).map((w) => ({ value: w.value, deleted: w.deleted, provenance: provenanceOf(w.meta) }))
  }

  entries (): Record<string, unknown> { return entriesOf(this.doc) }

  text (key: string): { text: string, authors: AuthorRange[] } {
    const t = textOf(this.doc, key)
    return { text: t.toString(), authors: textAuthors(t, this.state.index) }
  }

  textKeys (): string[] { return textKeys(this.doc) }

  stateHash (): string { return stateHash(this.doc) }

  private requireWrite (): void {
    const w = this.requireWriter()
    if (!canWrite(this.namespace, w.org)) throw new MemoryForbiddenError(`org ${w.org} is not a writer of ${this.namespace.id}`)
  }

  // ── compaction ──────────────────────────────────────────────────────────────

  /**
   * Folds old envelopes into the doc state: the checkpoint holds encodeStateAsUpdate
   * of the doc (applied state, never Y.mergeUpdates over many updates, which is superlinear)
   * and every envelope's metadata, so provenance answers as before. Bodies with
   * atMs older than compactAfterMs are dropped (missingFor no longer sends them).
   * A pending local batch is sealed first and returned in `sealed`: persist it with
   * the checkpoint.
   */
  compact (nowMs: number): { checkpoint: Checkpoint, dropped: string[], sealed: Envelope[] } {
    const sealed = this.writer === undefined ? [] : this.flush(nowMs, true)
    const dropped: string[] = []
    for (const [id, body] of this.state.bodies) {
      if (body.atMs < nowMs - this.limits.compactAfterMs) { this.state.bodies.delete(id); dropped.push(id) }
    }
    const checkpoint: Checkpoint = {
      namespace: this.namespace.id,
      docState: Y.encodeStateAsUpdate(this.doc),
      metas: [...this.state.index.allMetas()],
      history: [...this.state.index.allHistory()]
    }
    return { checkpoint, dropped, sealed }
  }

  /** Loads a checkpoint into a fresh replica (before any receive). */
  restore (c: Checkpoint): void {
    if (c.namespace !== this.namespace.id) throw new MemoryDecodeError(`checkpoint of "${c.namespace}" loaded into "${this.namespace.id}"`)
    Y.applyUpdate(this.doc, c.docState, REMOTE)
    this.state.restore(c.metas, c.history)
  }

  /** Gives back the body of an envelope known from a checkpoint (kept in the store). */
  attachBody (e: Envelope): boolean {
    const id = envelopeId(e, this.hasher)
    if (this.state.index.meta(id) === undefined) return false
    this.state.bodies.set(id, e)
    return true
  }

  /** Ids of the bodies held (what the store must keep). */
  heldIds (): IterableIterator<string> { return this.state.bodies.keys() }

  requireWriter (): LocalWriter {
    if (this.writer === undefined) throw new MemoryForbiddenError(`this node does not write namespace ${this.namespace.id}`)
    return this.writer
  }

  get localWriter (): LocalWriter | undefined { return this.writer }
}

function refused (id: string, reason: RefuseReason, detail: string): ReceiveResult {
  return { status: 'refused', id, reason, detail }
}
