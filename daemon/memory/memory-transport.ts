/**
 * libp2p side of `/atp/memory/1.0.0`: one outbound stream per configured neighbor
 * (dialed, redialed with capped backoff while we run) carries our messages; inbound
 * streams carry theirs. Streams are FrameChannels (length-prefixed, joined writes,
 * bounded queue, every error → one onClose). Unconfigured peers are refused.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { SYNC_PROTOCOL } from '../../crdt/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import type { MemoryLog } from './memory-service.ts'
import type { SyncPeer } from './sync-peer.ts'

export interface MemoryTransportInit {
  readonly peers: ReadonlyMap<string, SyncPeer>
  readonly maxBackoffMs?: number
  readonly maxQueuedBytes?: number
}

export class MemoryTransport {
  private started = false
  private readonly outbound = new Map<string, FrameChannel>()
  private readonly inbound = new Set<FrameChannel>()
  private readonly backoffMs = new Map<string, number>()
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor (private readonly libp2p: Libp2p, private readonly log: MemoryLog, private readonly init: MemoryTransportInit) {}

  async start (): Promise<void> {
    this.started = true
    await this.libp2p.handle(SYNC_PROTOCOL, (stream, connection) => { this.onInbound(stream, connection) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
    for (const peer of this.init.peers.keys()) this.schedule(peer, 0)
  }

  async stop (): Promise<void> {
    this.started = false
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    await this.libp2p.unhandle(SYNC_PROTOCOL).catch(() => {})
    await Promise.all([...this.outbound.values(), ...this.inbound].map(async (ch) => { await ch.close(1000) }))
  }

  private schedule (peer: string, delayMs: number): void {
    if (!this.started || this.timers.has(peer)) return
    this.timers.set(peer, setTimeout(() => { this.timers.delete(peer); void this.dial(peer) }, delayMs))
  }

  private async dial (peer: string): Promise<void> {
    const sync = this.init.peers.get(peer)
    if (sync === undefined || !this.started || this.outbound.get(peer)?.isOpen === true) return
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      this.retry(peer, err)
      return
    }
    const output = {
      send: (messages: readonly Uint8Array[]) => ch.enqueue(messages),
      get queuedBytes () { return ch.queuedBytes }
    }
    const ch: FrameChannel = new FrameChannel(stream, {
      onPayload: () => { /* the neighbor writes on its own stream */ },
      onClose: (reason) => {
        sync.detachOutput(output)
        if (this.outbound.get(peer) === ch) this.outbound.delete(peer)
        this.retry(peer, new Error(reason))
      },
      maxQueuedBytes: this.init.maxQueuedBytes ?? 8 * 1024 * 1024
    })
    if (!ch.isOpen) return
    this.outbound.set(peer, ch)
    this.backoffMs.delete(peer)
    sync.attachOutput(output)
  }

  private retry (peer: string, err: unknown): void {
    if (!this.started) return
    const next = Math.min(this.init.maxBackoffMs ?? 30_000, Math.max(500, (this.backoffMs.get(peer) ?? 250) * 2))
    this.backoffMs.set(peer, next)
    this.log.info({ peer, retryMs: next, reason: (err as Error).message }, 'memory sync stream down')
    this.schedule(peer, next)
  }

  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const sync = this.init.peers.get(peer)
    if (sync === undefined || !this.started) {
      this.log.warn({ peer }, 'memory sync from an unconfigured peer: rejected')
      try { stream.abort(new Error('not a configured neighbor')) } catch { /* gone */ }
      return
    }
    const ch: FrameChannel = new FrameChannel(stream, {
      onPayload: (bytes) => { if (!sync.onPayload(bytes)) this.log.warn({ peer }, 'memory sync: undecodable message dropped') },
      onClose: () => { this.inbound.delete(ch) }
    })
    if (ch.isOpen) this.inbound.add(ch)
    // Their stream came up: ours is probably down too (they restarted); redial now.
    if (this.outbound.get(peer)?.isOpen !== true) { clearTimeout(this.timers.get(peer)); this.timers.delete(peer); this.schedule(peer, 0) }
  }
}
