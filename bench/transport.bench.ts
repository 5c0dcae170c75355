/**
 * Transport: two real libp2p nodes on 127.0.0.1 (TCP + Noise + Yamux, the daemon's
 * createLibp2pNode), one sending 100k routes in UPDATE frames of 256 routes over one
 * `/agp/1.0.0` stream, the other decoding every frame (decodeFrame, full validation)
 * and counting routes. No Speaker. Timed from the first send until the receiver has
 * decoded the last route. Two variants:
 *
 * - `agpTransport`: the daemon's AgpTransport at both ends (send(): encodeFrame,
 *   varint prefix, writes joined up to 64 KB; receive: FrameChannel). The sender keeps
 *   at most ~2 MB queued, polling its queue every millisecond (the queue is bounded
 *   and would reset the session past 8 MB, as it should). A failure is reported with
 *   how far it got.
 * - `benchFraming`: the same nodes and stream with the same framing written here
 *   (encodeFrame, uint8-varint's prefix as the daemon writes it, 64 KB joined writes awaiting onDrain;
 *   LengthPrefixedDecoder fed at most 64 KB at a time, then decodeFrame). It also
 *   records the largest single read event, which is what breaks the first variant
 *   (docs/benchmarks.md, "transport").
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Libp2p } from 'libp2p'
import { pino } from 'pino'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeFrame, encodeFrame, type Frame, MAX_FRAME_BYTES } from '../agp/index.ts'
import type { SpeakerInput } from '../reflector/index.ts'
import { AGP_PROTOCOL, AgpTransport, type TransportSink } from '../daemon/p2p/agp-transport.ts'
import { createLibp2pNode } from '../daemon/p2p/libp2p-node.ts'
import { encodeUint8Array, encodingLength } from 'uint8-varint'
import { fakeSigner } from '../test/helpers/fixtures.ts'
import { elapsedMs, scaled, sig } from './lib/measure.ts'
import { originateMany, reflected } from './lib/routes.ts'

const ROUTES = 100_000
const ROUTES_PER_FRAME = 256
const DISTINCT_ROUTES = 4096
const MAX_QUEUED_BYTES = 2 * 1024 * 1024
const CHUNK_BYTES = 64 * 1024
const TIMEOUT_MS = 120_000

interface Pair {
  readonly a: Libp2p
  readonly b: Libp2p
  readonly peerA: string
  readonly peerB: string
}

interface Progress {
  routesIn: number
  badFrames: number
  bytesIn: number
  largestReadEventBytes: number
}

export default async function (): Promise<Record<string, unknown>> {
  const total = scaled(ROUTES)
  return {
    routes: total,
    routesPerFrame: ROUTES_PER_FRAME,
    agpTransport: await withPair(total, runAgpTransport),
    benchFraming: await withPair(total, runBenchFraming)
  }
}

type Runner = (pair: Pair, frames: readonly Frame[], total: number, progress: Progress) => Promise<number>

/** Builds the nodes and the frames, runs one variant, and always stops the nodes. */
async function withPair (total: number, runner: Runner): Promise<Record<string, unknown>> {
  const [keyA, keyB] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  const progress: Progress = { routesIn: 0, badFrames: 0, bytesIn: 0, largestReadEventBytes: 0 }
  const nodes: Libp2p[] = []
  try {
    const a = await node(keyA)
    nodes.push(a)
    const b = await node(keyB)
    nodes.push(b)
    await a.start()
    await b.start()
    const pair: Pair = { a, b, peerA: a.peerId.toString(), peerB: b.peerId.toString() }
    const frames = updateFrames(total, pair.peerA)
    const ms = await runner(pair, frames, total, progress)
    return {
      frames: frames.length,
      ms: sig(ms),
      routesPerS: sig(total / (ms / 1000)),
      framesPerS: sig(frames.length / (ms / 1000)),
      MBPerS: sig(progress.bytesIn / 1e6 / (ms / 1000)),
      bytesPerRoute: sig(progress.bytesIn / total),
      badFrames: progress.badFrames,
      ...(progress.largestReadEventBytes > 0 ? { largestReadEventBytes: progress.largestReadEventBytes } : {})
    }
  } catch (err) {
    return { failed: err instanceof Error ? err.message : String(err), routesReceivedBeforeFailure: progress.routesIn }
  } finally {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
  }
}

async function node (privateKey: Ed25519PrivateKey): Promise<Libp2p> {
  return await createLibp2pNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], dht: false, holdTimeS: 90 })
}

/** Frames of 256 routes as a reflector relays them; content repeats every 4096 routes (setup time only). */
function updateFrames (total: number, origin: string): Frame[] {
  const pool = originateMany(DISTINCT_ROUTES, { org: 'acme', signer: fakeSigner(origin) }).map((r) => reflected(r, origin))
  const frames: Frame[] = []
  for (let sent = 0; sent < total; sent += ROUTES_PER_FRAME) {
    const start = sent % DISTINCT_ROUTES
    frames.push({ type: 'update', announces: pool.slice(start, start + Math.min(ROUTES_PER_FRAME, total - sent)), withdraws: [] })
  }
  return frames
}

/** Resolves when `progress.routesIn` reaches total; rejects on fail() or after TIMEOUT_MS. */
function completion (total: number, progress: Progress): { done: Promise<void>, check: () => void, fail: (e: Error) => void, failed: () => boolean, stop: () => void } {
  const d = Promise.withResolvers<void>()
  let failed = false
  // A failure may come while the sender still sends, before anyone awaits `done`.
  d.promise.catch(() => {})
  const fail = (e: Error): void => { failed = true; d.reject(e) }
  const timer = setTimeout(() => { fail(new Error(`${progress.routesIn}/${total} routes after ${TIMEOUT_MS} ms`)) }, TIMEOUT_MS)
  return {
    done: d.promise,
    check: () => { if (progress.routesIn >= total) d.resolve() },
    fail,
    failed: () => failed,
    stop: () => { clearTimeout(timer) }
  }
}

function countFrame (bytes: Uint8Array, progress: Progress): void {
  const r = decodeFrame(bytes)
  if (!r.ok) progress.badFrames++
  else if (r.value.type === 'update') progress.routesIn += r.value.announces.length
}

async function runAgpTransport (pair: Pair, frames: readonly Frame[], total: number, progress: Progress): Promise<number> {
  const logger = pino({ level: 'silent' })
  const c = completion(total, progress)
  const up = Promise.withResolvers<void>()
  const senderSink: TransportSink = {
    offer: () => true,
    post: (input) => { if (input.type === 'transport-up') up.resolve(); else if (input.type === 'transport-down') up.reject(new Error(input.reason)) }
  }
  const receiverSink: TransportSink = {
    offer: (input: SpeakerInput) => {
      if (input.type === 'bad-frame') progress.badFrames++
      if (input.type === 'frame' && input.frame.type === 'update') {
        progress.routesIn += input.frame.announces.length
        c.check()
      }
      return true
    },
    post: (input) => { if (input.type === 'transport-down') c.fail(new Error(`receiver session down: ${input.reason}`)) }
  }
  const sender = new AgpTransport({ libp2p: pair.a, sink: senderSink, logger }, { neighbors: new Map([[pair.peerB, pair.b.getMultiaddrs()]]) })
  const receiver = new AgpTransport({ libp2p: pair.b, sink: receiverSink, logger }, { neighbors: new Map([[pair.peerA, []]]) })
  try {
    await sender.start()
    await receiver.start()
    sender.dial(pair.peerB)
    await up.promise
    const queued = (): number => sender.stats()[0]?.queuedBytes ?? 0
    const ms = await elapsedMs(async () => {
      for (const frame of frames) {
        while (!c.failed() && queued() > MAX_QUEUED_BYTES) await sleep(1)
        if (c.failed()) break
        sender.send(pair.peerB, [frame])
      }
      await c.done
    })
    progress.bytesIn = receiver.stats()[0]?.bytesIn ?? 0
    return ms
  } finally {
    c.stop()
    await sender.stop()
    await receiver.stop()
  }
}

async function runBenchFraming (pair: Pair, frames: readonly Frame[], total: number, progress: Progress): Promise<number> {
  const c = completion(total, progress)
  await pair.b.handle(AGP_PROTOCOL, (stream) => { receive(stream, progress, c) })
  try {
    const stream = await pair.a.dialProtocol(pair.b.getMultiaddrs(), AGP_PROTOCOL)
    return await elapsedMs(async () => {
      let parts: Uint8Array[] = []
      let size = 0
      for (const frame of frames) {
        if (c.failed()) break
        const bytes = encodeFrame(frame)
        const prefixLength = encodingLength(bytes.length)
        const prefixed = new Uint8Array(prefixLength + bytes.length)
        encodeUint8Array(bytes.length, prefixed, 0)
        prefixed.set(bytes, prefixLength)
        parts.push(prefixed)
        size += prefixed.length
        if (size >= CHUNK_BYTES) {
          if (!stream.send(join(parts, size))) await stream.onDrain()
          parts = []
          size = 0
        }
      }
      if (size > 0 && !stream.send(join(parts, size))) await stream.onDrain()
      await c.done
      await stream.close()
    })
  } finally {
    c.stop()
    await pair.b.unhandle(AGP_PROTOCOL)
  }
}

/** Feeds the decoder at most CHUNK_BYTES at a time, so its buffer stays below MAX_FRAME_BYTES + 64 KB. */
function receive (stream: Stream, progress: Progress, c: ReturnType<typeof completion>): void {
  const decoder = new LengthPrefixedDecoder({ maxDataLength: MAX_FRAME_BYTES, maxBufferSize: MAX_FRAME_BYTES + 2 * CHUNK_BYTES })
  stream.addEventListener('message', (evt) => {
    const data = evt.data instanceof Uint8ArrayList ? evt.data.subarray() : evt.data
    progress.bytesIn += data.byteLength
    progress.largestReadEventBytes = Math.max(progress.largestReadEventBytes, data.byteLength)
    try {
      for (let i = 0; i < data.length; i += CHUNK_BYTES) {
        for (const payload of decoder.decode(data.subarray(i, i + CHUNK_BYTES))) countFrame(payload.subarray(), progress)
      }
      c.check()
    } catch (err) {
      c.fail(err instanceof Error ? err : new Error(String(err)))
    }
  })
}

function join (parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
  const out = new Uint8Array(size)
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.length }
  return out
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
