/**
 * The AGP transport: `/agp/1.0.0` streams to configured neighbors, driven by the
 * Speaker's effects ('dial', 'send', 'close') and feeding it inputs ('transport-up',
 * 'transport-down', 'frame', 'bad-frame').
 *
 * - One live stream per neighbor (a FrameChannel). Inputs of a stream that is no
 *   longer the neighbor's live one are dropped, so a late event never reaches the
 *   Speaker for the wrong session.
 * - Allowlist: an inbound stream from a peer id that is not a configured neighbor gets
 *   NOTIFICATION Cease/ConnectionRejected and is closed, and so is its connection.
 * - Connection collision (RFC 4271 §6.8): when both sides opened a stream, the one
 *   dialed by the higher peer id survives; the other is closed with
 *   Cease/ConnectionCollisionResolution. Both ends apply the same rule, so they agree.
 * - Bounded: each channel's outbound queue is bounded (overflow resets that session)
 *   and frames go through the event loop's bounded queue (refusal resets the session).
 *   Streams pause while the loop is past its high-water mark.
 * - A 'close' effect detaches the stream at once: the Speaker asked for it, so no
 *   transport-down follows.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { type AnnounceBytesSink, CeaseSubcode, decodeFrame, encodeFrame, type Frame, WireRouteCache } from '../../agp/index.ts'
import type { SpeakerInput } from '../../reflector/index.ts'
import { FrameChannel } from './frame-channel.ts'
import { closeChannelWith, closeWith, hangUp, remoteClosed, STRANGER_READ_GRACE_MS } from './hang-up.ts'

export const AGP_PROTOCOL = '/agp/1.0.0'

/** Where the transport delivers inputs: the daemon's EventLoop. */
export interface TransportSink {
  /** Frames and bad frames; false when the loop is full. */
  offer (input: SpeakerInput): boolean
  /** transport-up / transport-down. */
  post (input: SpeakerInput): void
}

export interface AgpTransportObserver {
  frameIn? (peer: string, frame: Frame): void
  frameOut? (peer: string, frame: Frame): void
  decodeError? (peer: string, error: string): void
  rejected? (peer: string, reason: string): void
}

export interface AgpTransportComponents {
  readonly libp2p: Libp2p
  readonly sink: TransportSink
  readonly logger: Logger
  /** Finds addresses of a neighbor configured without any (DHT discovery). */
  readonly findAddrs?: (peerId: string, options: { signal: AbortSignal }) => Promise<Multiaddr[]>
  readonly observer?: AgpTransportObserver
  /** Told each announce of a valid UPDATE with the bytes it came as (decodeFrame's sink). */
  readonly onAnnounceBytes?: AnnounceBytesSink
}

export interface AgpTransportInit {
  /** Configured neighbors: peer id → static addresses (may be empty). */
  readonly neighbors: ReadonlyMap<string, readonly Multiaddr[]>
  readonly dialTimeoutMs?: number
  /** Outbound bytes a neighbor's queue may hold before its session is reset. */
  readonly maxQueuedBytes?: number
  /** Paced export: a neighbor's queue at most this full asks for its next turn. */
  readonly drainedBytes?: number
  readonly closeTimeoutMs?: number
}

/**
 * Low enough that a turn's frames never pile up, high enough that the socket always has
 * the next chunks queued while the Speaker generates the following turn.
 */
export const DEFAULT_DRAINED_BYTES = 512 * 1024

interface Slot {
  channel?: FrameChannel
  /** Token of the dial in flight; a dial whose token is no longer current is obsolete. */
  dialing?: number
}

export interface TransportPeerStats {
  readonly peer: string
  readonly connected: boolean
  readonly outbound: boolean
  readonly queuedBytes: number
  readonly bytesIn: number
  readonly bytesOut: number
}

export class AgpTransport {
  private readonly libp2p: Libp2p
  private readonly sink: TransportSink
  private readonly log: Logger
  private readonly components: AgpTransportComponents
  private readonly init: AgpTransportInit
  private readonly slots = new Map<string, Slot>()
  /** The allowlist with each neighbor's static addresses; a reload changes it (admit, forget). */
  private readonly neighbors: Map<string, readonly Multiaddr[]>
  private readonly localPeerId: string
  private readonly lingering = new Set<Promise<void>>()
  // A reflector sends one exported route object to every client that gets it: encoded once.
  private readonly wireRoutes = new WireRouteCache()
  private nextDial = 1
  private paused = false
  private started = false

  constructor (components: AgpTransportComponents, init: AgpTransportInit) {
    this.components = components
    this.libp2p = components.libp2p
    this.sink = components.sink
    this.log = components.logger.child({ component: 'agp-transport' })
    this.init = init
    this.localPeerId = this.libp2p.peerId.toString()
    this.neighbors = new Map(init.neighbors)
    for (const peer of init.neighbors.keys()) this.slots.set(peer, {})
  }

  async start (): Promise<void> {
    for (const [peer, addrs] of this.neighbors) await this.learnAddrs(peer, addrs)
    await this.libp2p.handle(AGP_PROTOCOL, (stream, connection) => { this.onInbound(stream, connection) }, {
      maxInboundStreams: 4,
      maxOutboundStreams: 4
    })
    this.started = true
  }

  /**
   * A reload's new or changed neighbors: they pass the allowlist from now on and are
   * dialed at their new static addresses. Call before the Speaker learns of them.
   */
  async admit (neighbors: ReadonlyMap<string, readonly Multiaddr[]>): Promise<void> {
    for (const [peer, addrs] of neighbors) {
      this.neighbors.set(peer, addrs)
      if (!this.slots.has(peer)) this.slots.set(peer, {})
      await this.learnAddrs(peer, addrs)
    }
  }

  /**
   * A reload's removed neighbors, after the Speaker sent them its NOTIFICATION: their
   * streams close once flushed and their inbound streams are refused from now on.
   */
  forget (peers: Iterable<string>): void {
    for (const peer of peers) {
      this.close(peer)
      this.slots.delete(peer)
      this.neighbors.delete(peer)
    }
  }

  /** Closes every stream (after its queue drained, bounded by closeTimeoutMs). */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.libp2p.unhandle(AGP_PROTOCOL).catch(() => {})
    const closing: Promise<void>[] = []
    for (const slot of this.slots.values()) {
      slot.dialing = undefined
      const ch = slot.channel
      slot.channel = undefined
      if (ch !== undefined) closing.push(ch.close(this.init.closeTimeoutMs))
    }
    await Promise.allSettled([...closing, ...this.lingering])
  }

  stats (): TransportPeerStats[] {
    return [...this.slots].map(([peer, slot]) => ({
      peer,
      connected: slot.channel?.isOpen === true,
      outbound: slot.channel?.outbound === true,
      queuedBytes: slot.channel?.queuedBytes ?? 0,
      bytesIn: slot.channel?.bytesIn ?? 0,
      bytesOut: slot.channel?.bytesOut ?? 0
    }))
  }

  /** Pauses (true) or resumes reading every stream: the event loop's backpressure. */
  setPaused (paused: boolean): void {
    this.paused = paused
    for (const slot of this.slots.values()) {
      if (paused) slot.channel?.pause()
      else slot.channel?.resume()
    }
  }

  /** 'dial' effect. Answered later by transport-up or transport-down. */
  dial (peer: string): void {
    const slot = this.slots.get(peer)
    if (slot === undefined || !this.started) {
      this.post({ type: 'transport-down', peer, reason: 'not a configured neighbor' })
      return
    }
    if (slot.channel?.isOpen === true) {
      // Already connected (it dialed us first): that is the transport the Speaker asked for.
      this.post({ type: 'transport-up', peer, outbound: slot.channel.outbound })
      return
    }
    if (slot.dialing !== undefined) return
    const token = this.nextDial++
    slot.dialing = token
    this.track(this.dialOnce(peer, slot, token))
  }

  /** 'send' effect: frames are encoded and queued; an overflow resets the session. */
  send (peer: string, frames: readonly Frame[]): void {
    const ch = this.slots.get(peer)?.channel
    if (ch === undefined || !ch.isOpen) {
      this.log.debug({ peer, frames: frames.length }, 'send to a neighbor without a live stream: dropped')
      return
    }
    const encoded: Uint8Array[] = []
    for (const frame of frames) {
      try {
        encoded.push(encodeFrame(frame, this.wireRoutes))
        this.components.observer?.frameOut?.(peer, frame)
      } catch (err) {
        // A core bug (an oversized frame): log it, never take the process down.
        this.log.error({ peer, frame: frame.type, err: String(err) }, 'frame does not encode: dropped')
      }
    }
    if (encoded.length > 0) ch.enqueue(encoded)
  }

  /** 'close' effect: flush what is queued (the NOTIFICATION), then close. No transport-down follows. */
  /**
   * Paced export: posts `transport-drained` for the peer once its outbound queue is at
   * most `drainedBytes` (at once when it already is). Nothing when the stream is gone:
   * the session's transport-down resets the export.
   */
  awaitDrain (peer: string): void {
    const ch = this.slots.get(peer)?.channel
    if (ch === undefined || !ch.isOpen) return
    ch.whenDrained(this.init.drainedBytes ?? DEFAULT_DRAINED_BYTES, () => {
      if (this.slots.get(peer)?.channel === ch && ch.isOpen) this.post({ type: 'transport-drained', peer })
    })
  }

  close (peer: string): void {
    const slot = this.slots.get(peer)
    if (slot === undefined) return
    slot.dialing = undefined
    const ch = slot.channel
    slot.channel = undefined
    if (ch !== undefined) this.track(ch.close(this.init.closeTimeoutMs))
  }

  private async dialOnce (peer: string, slot: Slot, token: number): Promise<void> {
    let stream: Stream
    try {
      const signal = AbortSignal.timeout(this.init.dialTimeoutMs ?? 10_000)
      const id = peerIdFromString(peer)
      const known = this.neighbors.get(peer) ?? []
      if (known.length === 0 && this.components.findAddrs !== undefined) {
        const addrs = await this.components.findAddrs(peer, { signal })
        await this.libp2p.peerStore.merge(id, { multiaddrs: addrs })
      }
      stream = await this.libp2p.dialProtocol(id, AGP_PROTOCOL, { signal })
    } catch (err) {
      if (slot.dialing !== token) return // cancelled by a close effect or stop: nobody waits
      slot.dialing = undefined
      if (slot.channel?.isOpen === true) return // it dialed us meanwhile and won
      this.post({ type: 'transport-down', peer, reason: `dial failed: ${errorText(err)}` })
      return
    }
    if (slot.dialing !== token || !this.started) {
      this.track(closeWith(stream, CeaseSubcode.AdministrativeReset, 'dial cancelled'))
      return
    }
    slot.dialing = undefined
    if (slot.channel?.isOpen === true) {
      // Collision resolved when its stream arrived: it dialed us and has the higher id.
      this.track(closeWith(stream, CeaseSubcode.ConnectionCollisionResolution, 'connection collision'))
      return
    }
    this.attach(peer, slot, stream)
  }

  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const slot = this.slots.get(peer)
    if (slot === undefined || !this.started) {
      this.log.warn({ peer, addr: connection.remoteAddr.toString(), reason: 'not a configured neighbor' }, 'session refused')
      this.components.observer?.rejected?.(peer, 'not a configured neighbor')
      // Then the whole connection goes: a stranger keeps no muxer, streams or buffers here.
      this.track(closeWith(stream, CeaseSubcode.ConnectionRejected, 'not a configured neighbor').then(async () => {
        await remoteClosed(stream, STRANGER_READ_GRACE_MS)
        await hangUp(connection)
      }))
      return
    }
    const existing = slot.channel?.isOpen === true ? slot.channel : undefined
    const weDialedExisting = existing?.outbound === true || (existing === undefined && slot.dialing !== undefined)
    if (weDialedExisting && this.localPeerId > peer) {
      // RFC 4271 §6.8: keep the connection dialed by the higher id — ours.
      this.log.debug({ peer }, 'connection collision: keeping ours')
      this.track(closeWith(stream, CeaseSubcode.ConnectionCollisionResolution, 'connection collision'))
      return
    }
    if (existing !== undefined) {
      // Theirs wins (higher id), or the peer re-dialed over an inbound it gave up on.
      slot.channel = undefined
      this.post({ type: 'transport-down', peer, reason: weDialedExisting ? 'connection collision' : 'replaced by a new inbound stream' })
      this.track(weDialedExisting
        ? closeChannelWith(existing, CeaseSubcode.ConnectionCollisionResolution, 'connection collision')
        : existing.close(this.init.closeTimeoutMs))
    }
    this.attach(peer, slot, stream)
  }

  private attach (peer: string, slot: Slot, stream: Stream): void {
    const ch: FrameChannel = new FrameChannel(stream, {
      ...(this.init.maxQueuedBytes !== undefined ? { maxQueuedBytes: this.init.maxQueuedBytes } : {}),
      onPayload: (bytes) => this.onPayload(peer, slot, ch, bytes),
      onClose: (reason) => {
        if (slot.channel !== ch) return // detached already (close effect, collision, stop)
        slot.channel = undefined
        this.log.info({ peer, reason }, 'session stream closed')
        this.post({ type: 'transport-down', peer, reason })
      }
    })
    if (!ch.isOpen) {
      this.post({ type: 'transport-down', peer, reason: 'stream closed before use' })
      return
    }
    slot.channel = ch
    if (this.paused) ch.pause()
    this.log.info({ peer, outbound: ch.outbound }, 'session stream open')
    this.post({ type: 'transport-up', peer, outbound: ch.outbound })
  }

  /** False when the event loop is full: the channel holds the frame and stops reading until resumed. */
  private onPayload (peer: string, slot: Slot, ch: FrameChannel, bytes: Uint8Array): boolean {
    if (slot.channel !== ch) return true
    const decoded = decodeFrame(bytes, this.components.onAnnounceBytes)
    let input: SpeakerInput
    if (decoded.ok) {
      input = { type: 'frame', peer, frame: decoded.value }
    } else {
      // The typed error, not its text: its code/subcode are the NOTIFICATION the session sends.
      const { notificationCode, subcode, message } = decoded.error
      input = { type: 'bad-frame', peer, error: { notificationCode, subcode, message } }
    }
    // A frame the muxer delivered after pause() can still meet a full loop: hold it (and
    // the stream) rather than reset a neighbor that only sent within its flow-control window.
    if (!this.sink.offer(input)) return false
    if (decoded.ok) this.components.observer?.frameIn?.(peer, decoded.value)
    else this.components.observer?.decodeError?.(peer, decoded.error.message)
    return true
  }

  private async learnAddrs (peer: string, addrs: readonly Multiaddr[]): Promise<void> {
    if (addrs.length > 0) await this.libp2p.peerStore.merge(peerIdFromString(peer), { multiaddrs: [...addrs] })
  }

  private post (input: SpeakerInput): void {
    try {
      this.sink.post(input)
    } catch (err) {
      this.log.error({ input: input.type, err: String(err) }, 'event loop refused a transport event')
    }
  }

  private track (p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => { this.log.debug({ err: String(err) }, 'background stream task failed') })
      .finally(() => { this.lingering.delete(tracked) })
    this.lingering.add(tracked)
  }
}

function errorText (err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}
