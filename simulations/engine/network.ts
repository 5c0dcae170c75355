/**
 * The seeded in-process network: one transport per session (node pair), per-link
 * delay, jitter and loss, and partitions. Sessions are reliable ordered streams (as
 * TCP under libp2p), so a lost segment is modelled as a retransmission: it arrives
 * one retransmission timeout later, and never out of order within one direction.
 */
import type { Random } from '../../kernel/index.ts'
import { linkKey, type SimLinkSpec } from '../topology/model.ts'

/** Lower bound of the retransmission timeout (Linux's TCP_RTO_MIN is 200 ms). */
const MIN_RTO_MS = 200
/** A segment lost this many times in a row is delivered anyway (keeps delays bounded). */
const MAX_RETRANSMITS = 8

interface Transport {
  up: boolean
  /** Bumped every time the transport opens or closes; in-flight frames of an old epoch are dropped. */
  epoch: number
}

/** One direction `from → to` of a node pair: what a send reads, found without building a key string. */
interface Direction {
  readonly link: SimLinkSpec | undefined
  /** The pair's one transport (the same object in both directions). */
  readonly transport: Transport
  /** Last delivery time in this direction: keeps it FIFO under jitter. */
  lastDeliveryMs: number
}

export interface NetworkOptions {
  readonly links: ReadonlyMap<string, SimLinkSpec>
  readonly defaultDelayMs: number
  readonly jitterMs: number
  readonly random: Random
  /** FIFO mode: every delay is zero. */
  readonly zeroDelay: boolean
}

export class SimNetwork {
  /** from → to → that direction, created with its reverse on first use (node pairs that talk: neighbors). */
  private readonly directions = new Map<string, Map<string, Direction>>()
  private readonly partitioned = new Set<string>()
  private readonly opts: NetworkOptions

  constructor (opts: NetworkOptions) {
    this.opts = opts
  }

  private direction (from: string, to: string): Direction {
    const hit = this.directions.get(from)?.get(to)
    if (hit !== undefined) return hit
    const link = this.opts.links.get(linkKey(from, to))
    const transport: Transport = { up: false, epoch: 0 }
    const there: Direction = { link, transport, lastDeliveryMs: 0 }
    this.directionsFrom(from).set(to, there)
    if (from !== to) this.directionsFrom(to).set(from, { link, transport, lastDeliveryMs: 0 })
    return there
  }

  private directionsFrom (from: string): Map<string, Direction> {
    let m = this.directions.get(from)
    if (m === undefined) this.directions.set(from, m = new Map())
    return m
  }

  delayMs (a: string, b: string): number {
    if (this.opts.zeroDelay) return 0
    return this.direction(a, b).link?.delayMs ?? this.opts.defaultDelayMs
  }

  isPartitioned (a: string, b: string): boolean {
    return this.partitioned.has(linkKey(a, b))
  }

  /** Marks the link cut; returns true when a transport was up (the caller tells both ends). */
  partition (a: string, b: string): boolean {
    this.partitioned.add(linkKey(a, b))
    return this.close(a, b)
  }

  heal (a: string, b: string): void {
    this.partitioned.delete(linkKey(a, b))
  }

  transport (a: string, b: string): Readonly<Transport> {
    return this.direction(a, b).transport
  }

  /** Opens the transport (if it was down) and returns its epoch. */
  open (a: string, b: string): number {
    const t = this.transport(a, b) as Transport
    if (!t.up) {
      t.up = true
      t.epoch++
    }
    return t.epoch
  }

  /** Closes the transport; returns whether it was up. */
  close (a: string, b: string): boolean {
    const t = this.transport(a, b) as Transport
    if (!t.up) return false
    t.up = false
    t.epoch++
    return true
  }

  isCurrent (a: string, b: string, epoch: number): boolean {
    const t = this.directions.get(a)?.get(b)?.transport
    return t !== undefined && t.up && t.epoch === epoch
  }

  /** When a message sent now from `from` arrives at `to`: delay, jitter, retransmissions, FIFO. */
  deliveryMs (from: string, to: string, nowMs: number): number {
    if (this.opts.zeroDelay) return nowMs
    const dir = this.direction(from, to)
    const link = dir.link
    const delay = link?.delayMs ?? this.opts.defaultDelayMs
    let at = nowMs + delay
    if (this.opts.jitterMs > 0) at += Math.floor(this.opts.random.next() * this.opts.jitterMs)
    const loss = link?.loss ?? 0
    if (loss > 0) {
      const rto = Math.max(MIN_RTO_MS, 2 * delay)
      for (let i = 0; i < MAX_RETRANSMITS && this.opts.random.next() < loss; i++) at += rto
    }
    if (at < dir.lastDeliveryMs) at = dir.lastDeliveryMs
    dir.lastDeliveryMs = at
    return at
  }
}
