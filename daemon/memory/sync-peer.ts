/**
 * `/atp/memory/1.0.0` with one neighbor, over an abstract frame channel (the libp2p
 * wiring is memory-transport.ts). Each side sends on its own outbound stream and
 * reads the other's inbound one, so there is no connection collision to resolve:
 *
 *   out opens      → hello { our vector per namespace the neighbor may receive }
 *   hello / want   → envelopes it lacks (missingFor), paced by the output queue;
 *                    served incrementally (see sendMissing)
 *   envelopes      → service.receive; a parked one → want { our vector } (rate-limited)
 *   live           → every new envelope (ours or relayed) that the neighbor may receive
 *
 * Who may receive a namespace: a member org, or a relay — our reflector, or (at a
 * reflector) a peer reflector. Relays verify and forward the original envelopes; they
 * never re-sign or rewrite. The peer's bytes never throw out of here.
 */
import type { NeighborRole } from '../../agp/index.ts'
import {
  canRead, decodeSyncMessage, dominates, encodeEnvelope, encodeSyncMessage, MemoryBoundError, type VectorClock
} from '../../crdt/index.ts'
import type { Envelope, SyncMessage } from '../../crdt/index.ts'
import type { MemoryService } from './memory-service.ts'

export interface SyncOutput {
  /** Queues encoded messages; false when the channel is gone. */
  send (messages: readonly Uint8Array[]): boolean
  /** Bytes waiting to be written (pacing). */
  readonly queuedBytes: number
}

export interface SyncNeighbor { readonly peerId: string, readonly org: string, readonly role: NeighborRole }

export interface SyncCounters {
  decodeErrors: number
  received: number
  sent: number
  wants: number
  /** hello/want that arrived while the namespace was being served: folded into the next pass. */
  wantsCoalesced: number
}

/** Why a whole sync message was dropped before any envelope in it was looked at. */
export type DropReason = 'oversize' | 'malformed'

/**
 * A bound exceeded (a length, count or size past its limit: MemoryBoundError) is
 * `oversize`; anything else that does not decode is `malformed`.
 */
export function dropReasonOf (err: unknown): DropReason {
  return err instanceof MemoryBoundError ? 'oversize' : 'malformed'
}

const WANT_INTERVAL_MS = 1000
/**
 * A want behind what this stream already carried means the neighbor dropped some of it
 * (refused, parked past its quota): the whole range is sent again, at most this often.
 */
const RESEND_INTERVAL_MS = 60_000
const MAX_QUEUED_BEFORE_PAUSE = 1024 * 1024
const MAX_MESSAGE_PAYLOAD = 512 * 1024

export class SyncPeer {
  private out: SyncOutput | undefined
  private readonly lastWantMs = new Map<string, number>()
  /** Their vectors that arrived while our stream was down: answered when it is up. */
  private readonly unanswered = new Map<string, VectorClock>()
  /** Per namespace, what the current output stream already carried (a prefix of each signer stream). */
  private readonly carried = new Map<string, VectorClock>()
  /** Namespaces being served → the latest vector asked for meanwhile (undefined: none). */
  private readonly serving = new Map<string, VectorClock | undefined>()
  private readonly lastResendMs = new Map<string, number>()
  readonly counters: SyncCounters = { decodeErrors: 0, received: 0, sent: 0, wants: 0, wantsCoalesced: 0 }
  /** Undecodable messages by reason (decodeErrors is their sum). */
  readonly dropped: Record<DropReason, number> = { oversize: 0, malformed: 0 }

  constructor (readonly neighbor: SyncNeighbor, private readonly service: MemoryService,
    private readonly selfRole: 'peer' | 'reflector', private readonly nowMs: () => number,
    private readonly wait: (ms: number) => Promise<void>) {}

  /** May this neighbor receive the namespace? */
  mayReceive (ns: string): boolean {
    const cfg = this.service.replicas.get(ns)?.namespace
    if (cfg === undefined) return false
    if (canRead(cfg, this.neighbor.org)) return true
    return this.neighbor.role === 'reflector' || (this.selfRole === 'reflector' && this.neighbor.role === 'peer')
  }

  /** Our outbound stream opened: announce what we hold. */
  attachOutput (out: SyncOutput): void {
    this.out = out
    this.carried.clear()
    const namespaces = [...this.service.replicas.entries()].filter(([ns]) => this.mayReceive(ns)).map(([ns, r]) => ({ namespace: ns, vector: r.versionVector() }))
    out.send([encodeSyncMessage({ type: 'hello', namespaces })])
    const pending = [...this.unanswered]
    this.unanswered.clear()
    for (const [ns, vector] of pending) void this.sendMissing(ns, vector)
  }

  detachOutput (out: SyncOutput): void {
    if (this.out !== out) return
    this.out = undefined
    // Whatever was queued for that stream died with it; the next stream starts from hello.
    this.carried.clear()
  }

  /** One message from the neighbor's stream. Returns false when the bytes were bad (caller may reset). */
  onPayload (bytes: Uint8Array): boolean {
    let m: SyncMessage
    try {
      m = decodeSyncMessage(bytes, this.service.replicas.values().next().value?.limits)
    } catch (err) {
      this.counters.decodeErrors++
      this.dropped[dropReasonOf(err)]++
      return false
    }
    switch (m.type) {
      case 'hello':
        for (const { namespace, vector } of m.namespaces) void this.sendMissing(namespace, vector)
        return true
      case 'want':
        void this.sendMissing(m.namespace, m.vector)
        return true
      case 'envelopes':
        this.onEnvelopes(m.envelopes)
        return true
    }
  }

  private onEnvelopes (envelopes: readonly Envelope[]): void {
    this.counters.received += envelopes.length
    const byNs = new Map<string, Envelope[]>()
    for (const e of envelopes) {
      let list = byNs.get(e.namespace)
      if (list === undefined) { list = []; byNs.set(e.namespace, list) }
      list.push(e)
    }
    for (const [ns, list] of byNs) {
      const results = this.service.receive(ns, list, this.neighbor.peerId)
      if (results.some((r) => r.status === 'parked')) this.want(ns)
    }
  }

  private want (ns: string): void {
    const now = this.nowMs()
    if (now - (this.lastWantMs.get(ns) ?? -Infinity) < WANT_INTERVAL_MS) return
    const r = this.service.replicas.get(ns)
    if (r === undefined || this.out === undefined) return
    this.lastWantMs.set(ns, now)
    this.counters.wants++
    this.out.send([encodeSyncMessage({ type: 'want', namespace: ns, vector: r.versionVector() })])
  }

  /**
   * Sends what the neighbor lacks, in messages of bounded size, pausing while the queue
   * is full. Incremental: a stream never carries the same envelope twice for a want —
   * what it already carried counts as theirs (it arrives, in order, or the stream dies
   * and the next one starts over) — except for one full resend per RESEND_INTERVAL_MS
   * when they say they lack what was sent. One pass per namespace at a time: a want
   * arriving meanwhile is folded into the next pass (latest vector wins). A pass stops
   * when its stream is replaced: its work belongs to a session that is gone.
   */
  async sendMissing (ns: string, theirs: VectorClock): Promise<void> {
    const r = this.service.replicas.get(ns)
    if (r === undefined || !this.mayReceive(ns)) return
    const out = this.out
    if (out === undefined) {
      // Their stream is up before ours (they restarted): answer once ours is.
      if (this.unanswered.size < 1024 || this.unanswered.has(ns)) this.unanswered.set(ns, theirs)
      return
    }
    if (this.serving.has(ns)) {
      this.counters.wantsCoalesced++
      this.serving.set(ns, theirs)
      return
    }
    let next: VectorClock | undefined = theirs
    try {
      while (next !== undefined && this.out === out) {
        this.serving.set(ns, undefined)
        await this.servePass(ns, next, out)
        next = this.serving.get(ns)
      }
    } finally {
      this.serving.delete(ns)
    }
  }

  private async servePass (ns: string, theirs: VectorClock, out: SyncOutput): Promise<void> {
    const r = this.service.replicas.get(ns)
    if (r === undefined) return
    const carried = this.carried.get(ns)
    let from: VectorClock = theirs
    if (carried === undefined) {
      this.lastResendMs.set(ns, this.nowMs()) // the first pass on this stream is a full one
    } else if (dominates(theirs, carried) || this.nowMs() - (this.lastResendMs.get(ns) ?? -Infinity) < RESEND_INTERVAL_MS) {
      from = maxVector(theirs, carried)
    } else {
      this.lastResendMs.set(ns, this.nowMs())
    }
    const upTo = r.versionVector()
    for (const batch of packEnvelopes(r.missingFor(from), r.limits.maxEnvelopesPerMessage)) {
      while (this.out === out && out.queuedBytes > MAX_QUEUED_BEFORE_PAUSE) await this.wait(10)
      if (this.out !== out || !out.send([encodeSyncMessage({ type: 'envelopes', envelopes: batch })])) return
      this.counters.sent += batch.length
    }
    this.carried.set(ns, maxVector(from, upTo))
  }

  /** Live push of new envelopes (never back to where they came from). */
  push (ns: string, envelopes: readonly Envelope[], from: string | undefined): void {
    if (from === this.neighbor.peerId || this.out === undefined || !this.mayReceive(ns)) return
    for (const batch of packEnvelopes(envelopes, 256)) {
      if (!this.out.send([encodeSyncMessage({ type: 'envelopes', envelopes: batch })])) return
      this.counters.sent += batch.length
    }
  }
}

function maxVector (a: VectorClock, b: VectorClock): Map<string, number> {
  const out = new Map(a)
  for (const [k, n] of b) if ((out.get(k) ?? 0) < n) out.set(k, n)
  return out
}

/** Groups envelopes into messages of at most `max` envelopes and ~512 KiB. */
export function packEnvelopes (envelopes: readonly Envelope[], max: number): Envelope[][] {
  const out: Envelope[][] = []
  let cur: Envelope[] = []
  let bytes = 0
  for (const e of envelopes) {
    const size = encodeEnvelope(e).length
    if (cur.length > 0 && (cur.length >= max || bytes + size > MAX_MESSAGE_PAYLOAD)) { out.push(cur); cur = []; bytes = 0 }
    cur.push(e)
    bytes += size
  }
  if (cur.length > 0) out.push(cur)
  return out
}
