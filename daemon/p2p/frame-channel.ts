/**
 * One length-prefixed frame stream (`/agp/1.0.0` sessions, `/atp/task/1.0.0` tasks):
 * frames in, joined writes out.
 *
 * Why not lpStream: it has no read backpressure (past its buffer limit the stream is aborted) and one send() per frame
 * is slow (trap 4). Here reads decode from 'message' events (the transport pauses the
 * stream when the event loop is busy: yamux then stops granting window), and writes
 * are joined into chunks of up to 64 KB, awaiting onDrain whenever send() says so.
 *
 * Every error — reset, abort, bad length, overflow — ends in exactly one `onClose`
 * call; nothing here ever throws into libp2p's event dispatch.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MAX_FRAME_BYTES } from '../../agp/index.ts'
import { encodeUint8Array, encodingLength } from 'uint8-varint'

export interface FrameChannelInit {
  /**
   * One decoded payload (a frame's bytes, prefix removed). Returning false refuses it
   * for now (the receiver is full): the channel holds it and everything after it, stops
   * reading, and offers it again at the next resume().
   */
  readonly onPayload: (bytes: Uint8Array) => boolean | undefined
  /** The stream is gone; `reason` is for logs and the Speaker's transport-down. */
  readonly onClose: (reason: string) => void
  /** Outbound bytes allowed to wait in this channel before the session is reset. */
  readonly maxQueuedBytes?: number
  /** Writes are joined up to this size. */
  readonly writeChunkBytes?: number
  /** Largest payload accepted (default: an /agp/1.0.0 frame's MAX_FRAME_BYTES). */
  readonly maxFrameBytes?: number
  /**
   * Inbound bytes held unread while the receiver refuses (what the muxer still delivers
   * after pause(): at most its receive window) before the session is reset. Default 64 MiB.
   */
  readonly maxHeldBytes?: number
}

export class ChannelOverflowError extends Error {
  constructor (queued: number) {
    super(`outbound queue overflow (${queued} bytes waiting)`)
    this.name = 'ChannelOverflowError'
  }
}

let nextChannelId = 1

/** Largest piece of an inbound 'message' handed to the decoder at once. */
const READ_SLICE_BYTES = 64 * 1024
const NO_BYTES = new Uint8Array(0)

export class FrameChannel {
  readonly id = nextChannelId++
  readonly stream: Stream
  readonly outbound: boolean
  private readonly init: FrameChannelInit
  private readonly decoder: LengthPrefixedDecoder
  private readonly maxQueuedBytes: number
  private readonly chunkBytes: number
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private writing = false
  private closing = false
  private closed = false
  private idle = Promise.withResolvers<void>()
  private drained?: { readonly bytes: number, readonly notify: () => void }
  private readonly maxHeldBytes: number
  /** A payload the receiver refused: offered first when reading resumes. */
  private refused: Uint8Array | undefined
  /** Inbound bytes not yet given to the decoder, in arrival order, while a payload is refused. */
  private held: (Uint8Array | Uint8ArrayList)[] = []
  private heldBytes = 0
  bytesIn = 0
  bytesOut = 0

  constructor (stream: Stream, init: FrameChannelInit) {
    this.stream = stream
    this.outbound = stream.direction === 'outbound'
    this.init = init
    this.maxQueuedBytes = init.maxQueuedBytes ?? 8 * 1024 * 1024
    this.chunkBytes = init.writeChunkBytes ?? 64 * 1024
    this.maxHeldBytes = init.maxHeldBytes ?? 64 * 1024 * 1024
    const maxFrameBytes = init.maxFrameBytes ?? MAX_FRAME_BYTES
    this.decoder = new LengthPrefixedDecoder({ maxDataLength: maxFrameBytes, maxBufferSize: 2 * maxFrameBytes + 64 * 1024 })
    this.idle.resolve()
    stream.addEventListener('message', (evt) => { this.onMessage(evt.data) })
    stream.addEventListener('close', (evt) => {
      const error = (evt as { error?: Error }).error
      this.finish(error === undefined ? 'stream closed' : `${error.name}: ${error.message}`)
    })
    stream.addEventListener('remoteCloseWrite', () => { this.onRemoteClosed() })
    if (stream.status !== 'open' || stream.remoteWriteStatus === 'closed') {
      // It ended before we listened (events are not replayed). Data it sent is still
      // buffered and is dispatched in a microtask: let it through first, then close.
      setImmediate(() => {
        if (stream.status === 'open') this.onRemoteClosed()
        else this.finish(`stream ${stream.status}`)
      })
    }
  }

  /** The peer will send nothing more: a session cannot continue half-open. */
  private onRemoteClosed (): void {
    this.finish('remote closed its end')
    this.abortQuietly(new Error('remote closed its end'))
  }

  get isOpen (): boolean { return !this.closed && !this.closing }
  get queuedBytes (): number { return this.pendingBytes }
  /** Inbound bytes held because the receiver refused a payload (0 while reading flows). */
  get heldInBytes (): number { return this.heldBytes + (this.refused?.byteLength ?? 0) }

  /** Queues frames (each already encoded); false when the queue overflowed and the channel was reset. */
  enqueue (frames: readonly Uint8Array[]): boolean {
    if (!this.isOpen) return false
    for (const frame of frames) {
      const prefixLength = encodingLength(frame.length)
      const prefixed = new Uint8Array(prefixLength + frame.length)
      encodeUint8Array(frame.length, prefixed, 0)
      prefixed.set(frame, prefixLength)
      this.pending.push(prefixed)
      this.pendingBytes += prefixed.length
    }
    if (this.pendingBytes > this.maxQueuedBytes) {
      this.reset(new ChannelOverflowError(this.pendingBytes))
      return false
    }
    if (!this.writing) void this.writeLoop()
    return true
  }

  /**
   * Calls `notify` once the queue holds at most `bytes` (from a microtask when it
   * already does); one waiter at a time, the latest wins. Never called once closed.
   */
  whenDrained (bytes: number, notify: () => void): void {
    if (this.closed) return
    if (this.pendingBytes <= bytes) {
      queueMicrotask(() => { if (!this.closed) notify() })
      return
    }
    this.drained = { bytes, notify }
  }

  pause (): void {
    try { if (this.stream.readStatus === 'readable') this.stream.pause() } catch { /* closing: nothing to pause */ }
  }

  /** Reads again: what was held is offered first, in order; a new refusal holds again. */
  resume (): void {
    if (this.closed) return
    try {
      if (!this.deliverHeld()) return
    } catch (err) {
      this.reset(new Error(`bad framing: ${(err as Error).message}`))
      return
    }
    try { if (this.stream.readStatus === 'paused') this.stream.resume() } catch { /* closing */ }
  }

  /** Sends what is queued, then closes the stream; aborts after timeoutMs. */
  async close (timeoutMs = 2000): Promise<void> {
    if (this.closed) return
    this.closing = true
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      await Promise.race([this.idle.promise, new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => { reject(signal.reason as Error) }, { once: true })
      })])
      await this.stream.close({ signal })
      // Our end is closed; a peer that never closes its end must not pin the stream.
      if (this.stream.status !== 'closed') {
        const stream = this.stream
        setTimeout(() => { if (stream.status !== 'closed') this.abortQuietly(new Error('peer did not close its end')) }, timeoutMs).unref()
      }
    } catch (err) {
      this.abortQuietly(err instanceof Error ? err : new Error(String(err)))
    }
    this.finish('closed locally')
  }

  /** Drops the queue and resets the stream (the peer sees a reset). */
  reset (err: Error): void {
    this.abortQuietly(err)
    this.finish(err.message)
  }

  private onMessage (data: Uint8Array | Uint8ArrayList): void {
    if (this.closed) return
    this.bytesIn += data.byteLength
    try {
      if (this.refused !== undefined || this.held.length > 0) this.hold(data)
      else this.feed(data)
    } catch (err) {
      // A length beyond MAX_FRAME_BYTES or a runaway buffer: the framing is lost for good.
      this.reset(new Error(`bad framing: ${(err as Error).message}`))
    }
  }

  /**
   * Yamux may deliver one 'message' of many MB once its window has grown (seen: 16 MiB).
   * Feed the decoder at most READ_SLICE_BYTES at a time and drain the frames of each
   * slice, so its buffer never holds more than one partial frame plus a slice: the buffer
   * bound then means "a frame too big", never "the peer was fast". False when a payload
   * was refused: the rest of `data` is held, before anything held already.
   */
  private feed (data: Uint8Array | Uint8ArrayList): boolean {
    for (let start = 0; start < data.byteLength; start += READ_SLICE_BYTES) {
      const end = Math.min(start + READ_SLICE_BYTES, data.byteLength)
      const slice = data instanceof Uint8Array ? data.subarray(start, end) : data.sublist(start, end)
      if (!this.decodeSlice(slice)) {
        if (end < data.byteLength) {
          const rest = data instanceof Uint8Array ? data.subarray(end) : data.sublist(end)
          this.held.unshift(rest)
          this.heldBytes += rest.byteLength
        }
        return false
      }
    }
    return true
  }

  /** Hands every complete payload to the receiver; false at the first it refuses (kept in `refused`). */
  private decodeSlice (slice: Uint8Array | Uint8ArrayList): boolean {
    // Frames after a refused one stay in the decoder's buffer (it consumes lazily):
    // decodeSlice(NO_BYTES) yields them later.
    for (const payload of this.decoder.decode(slice)) {
      const bytes = payload.subarray()
      if (this.init.onPayload(bytes) === false) {
        this.refused = bytes
        this.pause()
        return false
      }
      if (this.closed) return false
    }
    return !this.closed
  }

  /** Offers the refused payload, the decoder's remainder, then the held bytes; false when refused again. */
  private deliverHeld (): boolean {
    if (this.refused !== undefined) {
      if (this.init.onPayload(this.refused) === false) return false
      this.refused = undefined
      if (!this.decodeSlice(NO_BYTES)) return false
    }
    while (this.held.length > 0) {
      const next = this.held.shift() as Uint8Array | Uint8ArrayList
      this.heldBytes -= next.byteLength
      if (!this.feed(next)) return false
    }
    return true
  }

  private hold (data: Uint8Array | Uint8ArrayList): void {
    this.held.push(data)
    this.heldBytes += data.byteLength
    if (this.heldBytes > this.maxHeldBytes) {
      // Paused for long and still sent to: more than any muxer window, so not a peer
      // waiting for us but one ignoring flow control.
      this.reset(new Error(`inbound backlog overflow (${this.heldBytes} bytes held while the receiver is full)`))
    }
  }

  private async writeLoop (): Promise<void> {
    this.writing = true
    this.idle = Promise.withResolvers<void>()
    try {
      while (this.pending.length > 0 && !this.closed) {
        const chunk = this.takeChunk()
        this.bytesOut += chunk.length
        this.checkDrained()
        if (!this.stream.send(chunk)) await this.stream.onDrain()
      }
    } catch (err) {
      this.reset(err instanceof Error ? err : new Error(String(err)))
    } finally {
      this.writing = false
      this.idle.resolve()
    }
  }

  private checkDrained (): void {
    const d = this.drained
    if (d === undefined || this.pendingBytes > d.bytes) return
    this.drained = undefined
    d.notify()
  }

  /** Joins queued frames into one write of at most chunkBytes (a bigger frame goes alone). */
  private takeChunk (): Uint8Array {
    let size = 0
    let count = 0
    for (const part of this.pending) {
      if (count > 0 && size + part.length > this.chunkBytes) break
      size += part.length
      count++
    }
    const parts = this.pending.splice(0, count)
    this.pendingBytes -= size
    if (parts.length === 1) return parts[0] as Uint8Array
    const chunk = new Uint8Array(size)
    let offset = 0
    for (const part of parts) { chunk.set(part, offset); offset += part.length }
    return chunk
  }

  private abortQuietly (err: Error): void {
    try { this.stream.abort(err) } catch { /* already gone */ }
  }

  private finish (reason: string): void {
    if (this.closed) return
    this.closed = true
    this.pending = []
    this.pendingBytes = 0
    this.drained = undefined
    this.refused = undefined
    this.held = []
    this.heldBytes = 0
    try {
      this.init.onClose(reason)
    } catch {
      // onClose belongs to the transport, which never throws; a bug must still not escape into libp2p.
    }
  }
}
