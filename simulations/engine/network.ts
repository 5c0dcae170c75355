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

export interface NetworkOptions {
  readonly links: ReadonlyMap<string, SimLinkSpec>
  readonly defaultDelayMs: number
  readonly jitterMs: number
  readonly random: Random
  /** FIFO mode: every delay is zero. */
  readonly zeroDelay: boolean
}

export class SimNetwork {
  private readonly transports = new Map<string, Transport>()
  private readonly partitioned = new Set<string>()
  /** Last delivery time per direction `from>to`: keeps each direction FIFO under jitter. */
  private readonly lastDeliveryMs = new Map<string, number>()
  private readonly opts: NetworkOptions

  constructor (opts: NetworkOptions) {
    this.opts = opts
  }

  delayMs (a: string, b: string): number {
    if (this.opts.zeroDelay) return 0
    return this.opts.links.get(linkKey(a, b))?.delayMs ?? this.opts.defaultDelayMs
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
    const key = linkKey(a, b)
    let t = this.transports.get(key)
    if (t === undefined) {
      t = { up: false, epoch: 0 }
      this.transports.set(key, t)
    }
    return t
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
    const t = this.transports.get(linkKey(a, b))
    return t !== undefined && t.up && t.epoch === epoch
  }

  /** When a message sent now from `from` arrives at `to`: delay, jitter, retransmissions, FIFO. */
  deliveryMs (from: string, to: string, nowMs: number): number {
    if (this.opts.zeroDelay) return nowMs
    const link = this.opts.links.get(linkKey(from, to))
    const delay = link?.delayMs ?? this.opts.defaultDelayMs
    let at = nowMs + delay
    if (this.opts.jitterMs > 0) at += Math.floor(this.opts.random.next() * this.opts.jitterMs)
    const loss = link?.loss ?? 0
    if (loss > 0) {
      const rto = Math.max(MIN_RTO_MS, 2 * delay)
      for (let i = 0; i < MAX_RETRANSMITS && this.opts.random.next() < loss; i++) at += rto
    }
    const dir = `${from}>${to}`
    const last = this.lastDeliveryMs.get(dir) ?? 0
    if (at < last) at = last
    this.lastDeliveryMs.set(dir, at)
    return at
  }
}
