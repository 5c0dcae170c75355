/**
 * `/atp/memory/1.0.0` with one neighbor, as a pure machine:
 *
 *   machine.handle(input, nowMs) → SyncEffect[]
 *
 * No clock, timer, randomness or I/O inside: the driver (the daemon's memory transport,
 * the simulator's memory layer) turns effects into stream writes, dials and timers and
 * feeds back what happened. Each side sends on its own outbound stream and reads the
 * other's, so there is no connection collision to resolve:
 *
 *   output-up      → hello { our vector per namespace the neighbor may receive }
 *   hello / want   → envelopes it lacks (missingFor), paced by await-drain, served
 *                    incrementally (see serve)
 *   envelopes      → deliver to the replica; a parked one → want { our vector } (≤ 1/s)
 *   push           → every new envelope (ours or relayed) that the neighbor may receive
 *   output-down    → redial after a capped, doubling delay (500 ms … maxBackoffMs)
 *
 * Who may receive a namespace: a member org, or a relay — our reflector, or (at a
 * reflector) a peer reflector. Relays verify and forward the original envelopes; they
 * never re-sign or rewrite.
 */
import { canRead } from '../acl.ts'
import type { SyncMessage } from '../codec/sync-codec.ts'
import type { Envelope } from '../envelope.ts'
import type { VectorClock } from '../vector-clock.ts'
import { dominates } from '../vector-clock.ts'
import { packEnvelopeBatches } from './pack-envelopes.ts'
import type { EnvelopeBatch } from './pack-envelopes.ts'
import type { DropReason, SyncCounters, SyncEffect, SyncInput, SyncNeighbor, SyncReplicaView } from './sync-types.ts'

const WANT_INTERVAL_MS = 1000
/**
 * A want behind what this stream already carried means the neighbor dropped some of it
 * (refused, parked past its quota): the whole range is sent again, at most this often.
 */
const RESEND_INTERVAL_MS = 60_000
/** Bytes a stream may hold queued before a pass waits for it to drain. */
export const MAX_QUEUED_BEFORE_PAUSE_BYTES = 1024 * 1024
/** Envelopes per live push message. */
const PUSH_BATCH = 256
/** Vectors kept from a neighbor whose hello came while our stream was down. */
const MAX_UNANSWERED = 1024
const FIRST_RETRY_MS = 500
export const DEFAULT_SYNC_MAX_BACKOFF_MS = 30_000

export interface SyncMachineInit {
  readonly neighbor: SyncNeighbor
  readonly selfRole: 'peer' | 'reflector'
  /** The node's replicas by namespace (the map may fill after construction). */
  readonly replicas: ReadonlyMap<string, SyncReplicaView>
  readonly maxBackoffMs?: number
}

/** idle: nothing armed; waiting: the redial timer is armed; dialing: a dial is out; up: our stream is open. */
export type SyncLink = 'idle' | 'waiting' | 'dialing' | 'up'

/** One namespace being served on the current stream. */
interface Pass {
  readonly batches: EnvelopeBatch[]
  /** What the neighbor holds once the pass is through. */
  readonly reaches: VectorClock
  /** A hello/want that arrived meanwhile (latest wins): served by the next pass. */
  next: VectorClock | undefined
}

export class SyncMachine {
  readonly neighbor: SyncNeighbor
  readonly counters: SyncCounters = { decodeErrors: 0, received: 0, sent: 0, wants: 0, wantsCoalesced: 0 }
  /** Undecodable messages by reason (decodeErrors is their sum). */
  readonly dropped: Record<DropReason, number> = { oversize: 0, malformed: 0 }
  private linkState: SyncLink = 'idle'
  private stopped = true
  private backoffMs: number | undefined
  private readonly lastWantMs = new Map<string, number>()
  /** Their vectors that arrived while our stream was down: answered when it is up. */
  private readonly unanswered = new Map<string, VectorClock>()
  /** Per namespace, what the current stream already carried (a prefix of each signer stream). */
  private readonly carried = new Map<string, VectorClock>()
  private readonly passes = new Map<string, Pass>()
  private readonly lastResendMs = new Map<string, number>()
  /** Bytes sent on the current stream since the driver last said how much it holds. */
  private unackedBytes = 0
  private awaitingDrain = false
  private readonly maxBackoffMs: number

  constructor (private readonly init: SyncMachineInit) {
    this.neighbor = init.neighbor
    this.maxBackoffMs = init.maxBackoffMs ?? DEFAULT_SYNC_MAX_BACKOFF_MS
  }

  get link (): SyncLink { return this.linkState }

  /** May this neighbor receive the namespace? */
  mayReceive (ns: string): boolean {
    const cfg = this.init.replicas.get(ns)?.namespace
    if (cfg === undefined) return false
    if (canRead(cfg, this.neighbor.org)) return true
    return this.neighbor.role === 'reflector' || (this.init.selfRole === 'reflector' && this.neighbor.role === 'peer')
  }

  handle (input: SyncInput, nowMs: number): SyncEffect[] {
    const fx: SyncEffect[] = []
    switch (input.type) {
      case 'start':
        this.stopped = false
        if (this.linkState === 'idle') this.dial(fx)
        break
      case 'stop':
        this.stopped = true
        if (this.linkState === 'waiting') fx.push({ type: 'clear-timer' })
        this.linkState = 'idle'
        this.detach()
        break
      case 'timer':
        if (this.linkState === 'waiting' && !this.stopped) this.dial(fx)
        break
      case 'input-up':
        // Their stream came up while ours is down: they restarted, so redial now.
        if (this.stopped || (this.linkState !== 'idle' && this.linkState !== 'waiting')) break
        if (this.linkState === 'waiting') fx.push({ type: 'clear-timer' })
        this.dial(fx)
        break
      case 'output-up':
        this.attach(fx, nowMs)
        break
      case 'output-down':
        this.outputDown(fx, input.reason, nowMs)
        break
      case 'message':
        this.onMessage(fx, input.message, nowMs)
        break
      case 'bad-message':
        this.counters.decodeErrors++
        this.dropped[input.reason]++
        break
      case 'parked':
        this.want(fx, input.namespace, nowMs)
        break
      case 'push':
        this.push(fx, input.namespace, input.envelopes, input.from)
        break
      case 'drained':
        this.awaitingDrain = false
        this.unackedBytes = input.queuedBytes
        this.pump(fx, nowMs)
        break
    }
    return fx
  }

  private dial (fx: SyncEffect[]): void {
    this.linkState = 'dialing'
    fx.push({ type: 'dial' })
  }

  /** Our outbound stream opened: announce what we hold, answer what came meanwhile. */
  private attach (fx: SyncEffect[], nowMs: number): void {
    if (this.stopped) return
    this.linkState = 'up'
    this.backoffMs = undefined
    this.detach()
    const namespaces = [...this.init.replicas.entries()].filter(([ns]) => this.mayReceive(ns)).map(([ns, r]) => ({ namespace: ns, vector: r.versionVector() }))
    fx.push({ type: 'send', messages: [{ type: 'hello', namespaces }] })
    const pending = [...this.unanswered]
    this.unanswered.clear()
    for (const [ns, vector] of pending) this.serve(fx, ns, vector, nowMs)
  }

  /** Whatever was queued for the old stream died with it; the next stream starts from hello. */
  private detach (): void {
    this.carried.clear()
    this.passes.clear()
    this.unackedBytes = 0
    this.awaitingDrain = false
  }

  private outputDown (fx: SyncEffect[], reason: string, nowMs: number): void {
    if (this.linkState === 'up') this.detach()
    if (this.linkState === 'waiting') return
    this.linkState = 'idle'
    if (this.stopped) return
    const next = Math.min(this.maxBackoffMs, Math.max(FIRST_RETRY_MS, (this.backoffMs ?? FIRST_RETRY_MS / 2) * 2))
    this.backoffMs = next
    this.linkState = 'waiting'
    fx.push({ type: 'output-lost', reason, retryMs: next }, { type: 'set-timer', atMs: nowMs + next })
  }

  private onMessage (fx: SyncEffect[], m: SyncMessage, nowMs: number): void {
    switch (m.type) {
      case 'hello':
        for (const { namespace, vector } of m.namespaces) this.serve(fx, namespace, vector, nowMs)
        return
      case 'want':
        this.serve(fx, m.namespace, m.vector, nowMs)
        return
      case 'envelopes': {
        this.counters.received += m.envelopes.length
        const byNs = new Map<string, Envelope[]>()
        for (const e of m.envelopes) {
          let list = byNs.get(e.namespace)
          if (list === undefined) { list = []; byNs.set(e.namespace, list) }
          list.push(e)
        }
        for (const [namespace, envelopes] of byNs) fx.push({ type: 'deliver', namespace, envelopes })
      }
    }
  }

  private want (fx: SyncEffect[], ns: string, nowMs: number): void {
    if (nowMs - (this.lastWantMs.get(ns) ?? -Infinity) < WANT_INTERVAL_MS) return
    const r = this.init.replicas.get(ns)
    if (r === undefined || this.linkState !== 'up') return
    this.lastWantMs.set(ns, nowMs)
    this.counters.wants++
    this.send(fx, { type: 'want', namespace: ns, vector: r.versionVector() }, 0)
  }

  /**
   * Sends what the neighbor lacks, in messages of bounded size, waiting for the stream
   * to drain past MAX_QUEUED_BEFORE_PAUSE_BYTES. Incremental: a stream never carries
   * the same envelope twice for a want — what it already carried counts as theirs (it
   * arrives, in order, or the stream dies and the next one starts over) — except for one
   * full resend per RESEND_INTERVAL_MS when they say they lack what was sent. One pass
   * per namespace at a time: a want arriving meanwhile is folded into the next pass
   * (latest vector wins).
   */
  private serve (fx: SyncEffect[], ns: string, theirs: VectorClock, nowMs: number): void {
    if (!this.init.replicas.has(ns) || !this.mayReceive(ns)) return
    if (this.linkState !== 'up') {
      // Their stream is up before ours (they restarted): answer once ours is.
      if (this.unanswered.size < MAX_UNANSWERED || this.unanswered.has(ns)) this.unanswered.set(ns, theirs)
      return
    }
    const pass = this.passes.get(ns)
    if (pass !== undefined) {
      this.counters.wantsCoalesced++
      pass.next = theirs
      return
    }
    this.passes.set(ns, this.startPass(ns, theirs, nowMs))
    this.pump(fx, nowMs)
  }

  private startPass (ns: string, theirs: VectorClock, nowMs: number): Pass {
    const r = this.init.replicas.get(ns) as SyncReplicaView
    const carried = this.carried.get(ns)
    let from: VectorClock = theirs
    if (carried === undefined) {
      this.lastResendMs.set(ns, nowMs) // the first pass on a stream is a full one
    } else if (dominates(theirs, carried) || nowMs - (this.lastResendMs.get(ns) ?? -Infinity) < RESEND_INTERVAL_MS) {
      from = maxVector(theirs, carried)
    } else {
      this.lastResendMs.set(ns, nowMs)
    }
    const reaches = maxVector(from, r.versionVector())
    return { batches: packEnvelopeBatches(r.missingFor(from), r.limits.maxEnvelopesPerMessage), reaches, next: undefined }
  }

  /** Sends the passes' batches in order until the stream must drain. */
  private pump (fx: SyncEffect[], nowMs: number): void {
    for (const [ns, pass] of [...this.passes]) {
      let current = pass
      while (true) {
        const batch = current.batches[0]
        if (batch === undefined) {
          this.carried.set(ns, current.reaches)
          const next = current.next
          if (next === undefined) { this.passes.delete(ns); break }
          current = this.startPass(ns, next, nowMs)
          this.passes.set(ns, current)
          continue
        }
        if (this.awaitingDrain) return
        if (this.unackedBytes > MAX_QUEUED_BEFORE_PAUSE_BYTES) {
          this.awaitingDrain = true
          fx.push({ type: 'await-drain' })
          return
        }
        current.batches.shift()
        this.send(fx, { type: 'envelopes', envelopes: batch.envelopes }, batch.bytes)
        this.counters.sent += batch.envelopes.length
      }
    }
  }

  /** Live push of new envelopes (never back to where they came from). */
  private push (fx: SyncEffect[], ns: string, envelopes: readonly Envelope[], from: string | undefined): void {
    if (from === this.neighbor.peerId || this.linkState !== 'up' || !this.mayReceive(ns)) return
    for (const batch of packEnvelopeBatches(envelopes, PUSH_BATCH)) {
      this.send(fx, { type: 'envelopes', envelopes: batch.envelopes }, batch.bytes)
      this.counters.sent += batch.envelopes.length
    }
  }

  private send (fx: SyncEffect[], message: SyncMessage, bytes: number): void {
    this.unackedBytes += bytes
    fx.push({ type: 'send', messages: [message] })
  }
}

function maxVector (a: VectorClock, b: VectorClock): Map<string, number> {
  const out = new Map(a)
  for (const [k, n] of b) if ((out.get(k) ?? 0) < n) out.set(k, n)
  return out
}
