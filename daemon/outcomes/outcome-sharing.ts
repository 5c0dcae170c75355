/**
 * Outcome sharing between the sites of one org (opt-in, `outcomeSharing.enabled`): what
 * this site records itself (POST /v1/outcomes, the data plane's measured outcomes) is
 * sent to its internal neighbors over `/atp/outcomes/1.0.0`, and what they send is
 * checked with the rule of POST /v1/outcomes and recorded here as resolve evidence.
 *
 * Never outside the org: a message goes only to, and is taken only from, a neighbor
 * configured with an internal role (`site`, `site-reflector`, `site-client`, whose org
 * must be ours) whose session is established (its OPEN proved the org, Noise the key).
 * Bounded: own outcomes wait in a queue of a few seconds' worth and leave once a
 * flush interval; every internal neighbor has a token bucket each way (`maxPerS`);
 * relays (site-relay.ts) are bounded by hops, duplicates by a window of batch ids.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { Clock } from '../../kernel/index.ts'
import type { Outcome, PeerView } from '../../reflector/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { INTERNAL_ROLES, shareTargets, type InternalNeighbor } from './site-relay.ts'
import {
  decodeSiteOutcomes, encodeSiteOutcomes, MAX_MESSAGE_BYTES, MAX_OUTCOMES_PER_MESSAGE, MAX_RELAY_HOPS, SITE_OUTCOMES_PROTOCOL,
  type SiteOutcomeMessage
} from './site-outcome-message.ts'
import { TokenBucket } from './token-bucket.ts'

/** Own outcomes kept waiting at most this many seconds' worth (past it: dropped, counted). */
const QUEUE_SECONDS = 5
/** Batch ids remembered to drop a message that arrives twice (two relays, a redial). */
const SEEN_BATCHES = 4096
const DIAL_TIMEOUT_MS = 5_000

export interface OutcomeSharingInit {
  readonly org: string
  readonly site: string
  readonly maxPerS: number
  readonly flushIntervalMs?: number
}

export interface OutcomeSharingComponents {
  readonly libp2p: Libp2p
  readonly clock: Clock
  readonly logger: Logger
  /** The Speaker's sessions, live (a reload changes them). */
  readonly peers: () => readonly PeerView[]
  /** Records a shared outcome as evidence here; false when no known path matches it. */
  readonly record: (outcome: Outcome) => Promise<boolean>
  /** Delivers one message to a site (default: a `/atp/outcomes/1.0.0` stream over libp2p). */
  readonly write?: (peer: string, message: SiteOutcomeMessage) => Promise<void>
}

/** Counts by direction and result, for atpd_site_outcomes_total. */
export type SharingCounts = Map<string, number>

export class OutcomeSharing {
  readonly counts: SharingCounts = new Map()
  private readonly queue: Outcome[] = []
  private readonly sendBuckets = new Map<string, TokenBucket>()
  private readonly takeBuckets = new Map<string, TokenBucket>()
  private readonly seen = new Set<string>()
  private readonly inbound = new Set<FrameChannel>()
  private timer: NodeJS.Timeout | undefined
  private nextBatch = 0
  private readonly log: Logger

  constructor (private readonly c: OutcomeSharingComponents, private readonly init: OutcomeSharingInit) {
    this.log = c.logger.child({ component: 'outcome-sharing' })
  }

  async start (): Promise<void> {
    await this.c.libp2p.handle(SITE_OUTCOMES_PROTOCOL, (stream, connection) => { this.onInbound(stream, connection) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
    this.timer = setInterval(() => { this.flush() }, this.init.flushIntervalMs ?? 1000)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.c.libp2p.unhandle(SITE_OUTCOMES_PROTOCOL).catch(() => {})
    for (const ch of this.inbound) ch.reset(new Error('stopping'))
  }

  /** One outcome this site recorded itself: queued for the next flush. */
  offer (outcome: Outcome): void {
    if (this.queue.length >= this.init.maxPerS * QUEUE_SECONDS) {
      this.count('out', 'dropped:queue-full')
      return
    }
    this.queue.push(outcome)
  }

  /** Sends what waits (at most maxPerS) to every internal neighbor. */
  flush (): void {
    this.forgetGone()
    if (this.queue.length === 0) return
    const outcomes = this.queue.splice(0, Math.min(this.init.maxPerS, MAX_OUTCOMES_PER_MESSAGE))
    const message: SiteOutcomeMessage = { v: 1, originSite: this.init.site, batch: this.batchId(), hops: 0, outcomes }
    this.remember(message)
    for (const peer of shareTargets(this.internalNeighbors())) this.send(peer, message)
  }

  private send (peer: string, message: SiteOutcomeMessage): void {
    const allowed = bucket(this.sendBuckets, peer, this.init.maxPerS, this.c.clock.nowMs()).take(message.outcomes.length, this.c.clock.nowMs())
    if (allowed < message.outcomes.length) this.count('out', 'dropped:rate', message.outcomes.length - allowed)
    if (allowed === 0) return
    const sent = allowed === message.outcomes.length ? message : { ...message, outcomes: message.outcomes.slice(0, allowed) }
    void (this.c.write ?? this.write.bind(this))(peer, sent).then(
      () => { this.count('out', 'sent', allowed) },
      (err: unknown) => {
        this.count('out', 'dropped:unreachable', allowed)
        this.log.debug({ peer, err: String(err) }, 'sharing outcomes with a site failed')
      })
  }

  private async write (peer: string, message: SiteOutcomeMessage): Promise<void> {
    const stream = await this.c.libp2p.dialProtocol(peerIdFromString(peer), SITE_OUTCOMES_PROTOCOL, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    const ch = new FrameChannel(stream, { maxFrameBytes: MAX_MESSAGE_BYTES, onPayload: () => true, onClose: () => {} })
    ch.enqueue([encodeSiteOutcomes(message)])
    await ch.close(DIAL_TIMEOUT_MS)
  }

  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const from = this.internalNeighbors().find((n) => n.peerId === peer)
    if (from === undefined) {
      // Not an established internal session: outcomes never cross the org's border.
      this.count('in', 'refused:not-a-site')
      this.log.info({ peer, reason: 'not an established site session' }, 'shared outcomes refused')
      stream.abort(new Error('not an established site session'))
      return
    }
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: MAX_MESSAGE_BYTES,
      onPayload: (bytes) => { void this.onBytes(from, bytes); return true },
      onClose: () => { this.inbound.delete(ch) }
    })
    this.inbound.add(ch)
  }

  private async onBytes (from: InternalNeighbor, bytes: Uint8Array): Promise<void> {
    const decoded = decodeSiteOutcomes(bytes)
    if (!decoded.ok) {
      this.count('in', 'refused:invalid')
      this.log.warn({ peer: from.peerId, error: decoded.error }, 'shared outcomes refused: invalid message')
      return
    }
    await this.receive(from, decoded.message)
  }

  /** One decoded message from an established internal neighbor: recorded, then relayed. */
  async receive (from: InternalNeighbor, message: SiteOutcomeMessage): Promise<void> {
    if (message.originSite === this.init.site) { this.count('in', 'dropped:own-site', message.outcomes.length); return }
    if (this.seen.has(batchKey(message))) { this.count('in', 'dropped:duplicate', message.outcomes.length); return }
    this.remember(message)
    const nowMs = this.c.clock.nowMs()
    const taken = bucket(this.takeBuckets, from.peerId, this.init.maxPerS, nowMs).take(message.outcomes.length, nowMs)
    if (taken < message.outcomes.length) this.count('in', 'dropped:rate', message.outcomes.length - taken)
    if (taken === 0) return
    const outcomes = message.outcomes.slice(0, taken)
    for (const outcome of outcomes) {
      this.count('in', await this.c.record(outcome) ? 'applied' : 'unknown-path')
    }
    // Another site may know paths this one does not: relay what was taken, known here or not.
    if (message.hops < MAX_RELAY_HOPS) {
      const relayed: SiteOutcomeMessage = { ...message, hops: message.hops + 1, outcomes }
      for (const peer of shareTargets(this.internalNeighbors(), from)) this.send(peer, relayed)
    }
  }

  private internalNeighbors (): InternalNeighbor[] {
    return this.c.peers()
      .filter((p) => p.state === 'established' && INTERNAL_ROLES.has(p.role) && p.org === this.init.org)
      .map((p) => ({ peerId: p.peerId, role: p.role }))
  }

  /** Buckets of neighbors no longer internal and established go (their maps stay bounded). */
  private forgetGone (): void {
    const live = new Set(this.internalNeighbors().map((n) => n.peerId))
    for (const map of [this.sendBuckets, this.takeBuckets]) for (const peer of [...map.keys()]) if (!live.has(peer)) map.delete(peer)
  }

  private remember (message: SiteOutcomeMessage): void {
    this.seen.add(batchKey(message))
    if (this.seen.size > SEEN_BATCHES) {
      const oldest = this.seen.values().next().value
      if (oldest !== undefined) this.seen.delete(oldest)
    }
  }

  private batchId (): string {
    // Unique per origin site across restarts: start time, then a counter.
    return `${this.c.clock.nowMs().toString(36)}${(this.nextBatch++).toString(36)}`.slice(-32)
  }

  private count (direction: 'in' | 'out', result: string, n = 1): void {
    const key = `${direction}|${result}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + n)
  }
}

function batchKey (m: SiteOutcomeMessage): string {
  return `${m.originSite}/${m.batch}`
}

function bucket (map: Map<string, TokenBucket>, peer: string, maxPerS: number, nowMs: number): TokenBucket {
  let b = map.get(peer)
  if (b === undefined) {
    b = new TokenBucket(maxPerS, maxPerS, nowMs)
    map.set(peer, b)
  }
  return b
}
