/**
 * The daemon's driver of `/atp/memory/1.0.0`: one SyncMachine (crdt/sync) per
 * configured neighbor, run over libp2p. The machines' input queue, redial timers and
 * effect execution are driver/MemorySyncDriver, the simulator's own; this file supplies
 * its ports — dials, writes on our outbound stream, drain waits, envelopes into the
 * MemoryService — and feeds back what happened (a delivered envelope pushes to every
 * other neighbor through the service's listener, after the current input).
 *
 * Streams are FrameChannels (length-prefixed, joined writes, bounded queue, every error
 * → one onClose): one outbound stream per neighbor carries our messages, inbound streams
 * carry theirs. Unconfigured peers are refused.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Clock } from '../../kernel/index.ts'
import {
  decodeSyncMessage, dropReasonOf, encodeSyncMessage, MAX_QUEUED_BEFORE_PAUSE_BYTES, SYNC_PROTOCOL, SyncMachine
} from '../../crdt/index.ts'
import type { Envelope, SyncInput, SyncNeighbor } from '../../crdt/index.ts'
import { MemorySyncDriver } from '../../driver/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { systemScheduler } from '../runtime/system-scheduler.ts'
import type { MemoryLog, MemoryService } from './memory-service.ts'

const DIAL_TIMEOUT_MS = 10_000

export interface MemoryTransportInit {
  readonly neighbors: readonly SyncNeighbor[]
  readonly selfRole: 'peer' | 'reflector'
  readonly maxBackoffMs?: number
  readonly maxQueuedBytes?: number
}

export class MemoryTransport {
  private started = false
  private readonly outbound = new Map<string, FrameChannel>()
  private readonly inbound = new Set<FrameChannel>()
  private readonly driver: MemorySyncDriver

  constructor (private readonly libp2p: Libp2p, private readonly service: MemoryService, clock: Clock,
    private readonly log: MemoryLog, private readonly init: MemoryTransportInit) {
    this.driver = new MemorySyncDriver({
      clock,
      scheduler: systemScheduler(clock),
      transport: {
        dial: (peer) => { void this.dial(peer) },
        send: (peer, messages) => { this.outbound.get(peer)?.enqueue(messages.map(encodeSyncMessage)) },
        awaitDrain: (peer) => {
          const ch = this.outbound.get(peer)
          ch?.whenDrained(MAX_QUEUED_BEFORE_PAUSE_BYTES, () => {
            if (this.outbound.get(peer) === ch) this.input(peer, { type: 'drained', queuedBytes: ch.queuedBytes })
          })
        }
      },
      receiver: {
        receive: (peer, namespace, envelopes) => this.service.receive(namespace, envelopes, peer).some((r) => r.status === 'parked')
      },
      outputLost: (peer, reason, retryMs) => { this.log.info({ peer, retryMs, reason }, 'memory sync stream down') }
    })
    for (const neighbor of init.neighbors) this.machines.set(neighbor.peerId, this.machineFor(neighbor))
  }

  /** One machine per configured neighbor, by peer id. */
  get machines (): Map<string, SyncMachine> { return this.driver.machines }

  private machineFor (neighbor: SyncNeighbor): SyncMachine {
    const { selfRole, maxBackoffMs } = this.init
    return new SyncMachine({ neighbor, selfRole, replicas: this.service.replicas, ...(maxBackoffMs !== undefined ? { maxBackoffMs } : {}) })
  }

  async start (): Promise<void> {
    this.started = true
    this.driver.start()
    await this.libp2p.handle(SYNC_PROTOCOL, (stream, connection) => { this.onInbound(stream, connection) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
    for (const peer of this.machines.keys()) this.input(peer, { type: 'start' })
  }

  async stop (): Promise<void> {
    for (const peer of this.machines.keys()) this.input(peer, { type: 'stop' })
    this.started = false
    this.driver.stop()
    await this.libp2p.unhandle(SYNC_PROTOCOL).catch(() => {})
    await Promise.all([...this.outbound.values(), ...this.inbound].map(async (ch) => { await ch.close(1000) }))
  }

  /**
   * A reload's neighbor list: a new neighbor gets a machine (started when the transport
   * is), a removed one is stopped and forgotten with its stream and timer, one whose
   * org or role changed is replaced; the others are left as they are.
   */
  setNeighbors (neighbors: readonly SyncNeighbor[]): void {
    const wanted = new Map(neighbors.map((n) => [n.peerId, n]))
    for (const [peer, machine] of [...this.machines]) {
      const next = wanted.get(peer)
      if (next !== undefined && next.org === machine.neighbor.org && next.role === machine.neighbor.role) continue
      this.input(peer, { type: 'stop' })
      this.driver.remove(peer)
      const ch = this.outbound.get(peer)
      this.outbound.delete(peer)
      if (ch !== undefined) void ch.close(1000)
    }
    for (const neighbor of neighbors) {
      if (this.machines.has(neighbor.peerId)) continue
      this.machines.set(neighbor.peerId, this.machineFor(neighbor))
      if (this.started) this.input(neighbor.peerId, { type: 'start' })
    }
  }

  /** New envelopes at this node (written here, or applied from `from`): to every neighbor that may receive them. */
  push (namespace: string, envelopes: readonly Envelope[], from: string | undefined): void {
    this.driver.push(namespace, envelopes, from)
  }

  private input (peer: string, input: SyncInput): void {
    this.driver.input(peer, input)
  }

  private async dial (peer: string): Promise<void> {
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    } catch (err) {
      this.input(peer, { type: 'output-down', reason: (err as Error).message })
      return
    }
    if (!this.started) { try { stream.abort(new Error('memory sync stopping')) } catch { /* gone */ } return }
    const ch: FrameChannel = new FrameChannel(stream, {
      onPayload: () => { /* the neighbor writes on its own stream */ },
      onClose: (reason) => {
        if (this.outbound.get(peer) !== ch) return
        this.outbound.delete(peer)
        this.input(peer, { type: 'output-down', reason })
      },
      maxQueuedBytes: this.init.maxQueuedBytes ?? 8 * 1024 * 1024
    })
    this.outbound.set(peer, ch)
    this.input(peer, { type: 'output-up' })
    // Stopped while the dial was out: the machine did not take the stream.
    if (this.machines.get(peer)?.link !== 'up' && this.outbound.get(peer) === ch) { this.outbound.delete(peer); void ch.close(1000) }
  }

  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const machine = this.machines.get(peer)
    if (machine === undefined || !this.started) {
      this.log.warn({ peer }, 'memory sync from an unconfigured peer: rejected')
      try { stream.abort(new Error('not a configured neighbor')) } catch { /* gone */ }
      return
    }
    const limits = this.service.replicas.values().next().value?.limits
    const ch: FrameChannel = new FrameChannel(stream, {
      onPayload: (bytes) => {
        let input: SyncInput
        try {
          input = { type: 'message', message: decodeSyncMessage(bytes, limits) }
        } catch (err) {
          this.log.warn({ peer }, 'memory sync: undecodable message dropped')
          input = { type: 'bad-message', reason: dropReasonOf(err) }
        }
        this.input(peer, input)
      },
      onClose: () => { this.inbound.delete(ch) }
    })
    if (ch.isOpen) this.inbound.add(ch)
    this.input(peer, { type: 'input-up' })
  }
}
