/**
 * A hand-driven `/agp/1.0.0` peer for hostile-input tests: a real libp2p node (the
 * daemon's own TCP + Noise + Yamux build, daemon/p2p/libp2p-node.ts) with an identity
 * the test holds, framing exactly as the daemon does (daemon/p2p/frame-channel.ts:
 * varint length prefix + agp.Frame), but sending whatever the test wants — including
 * bytes no honest speaker would. Same approach as memory-wire-peer.ts.
 *
 *   const dir = await identityBelow(root, site.peerId)  // so the daemon waits for us to dial
 *   const wire = await startAgpWirePeer(dir, { org: 'globex' })
 *   const s = await wire.dial(site.peerId, site.addr)   // the daemon sends its OPEN at once
 *   await s.handshake({ role: 'reflector', cluster: 'c2' })
 *   s.send({ type: 'update', announces: [wire.originate({ id: 'a1', capability: 'x' })], withdraws: [] })
 *   const n = await s.next('notification')
 *
 * When the daemon dials us instead (it is a client of ours, or the lower peer id on a
 * peer/partner session), its streams arrive through `wire.accept()`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Frame, OpenFrame } from '../../agp/codec/frame.ts'
import { decodeFrame, encodeFrame, encodeRouteAttributes } from '../../agp/codec/frame-codec.ts'
import type { Signer } from '../../kernel/ports.ts'
import { originateRoute } from '../../agp/route/originate.ts'
import type { Route, RouteAttributes } from '../../agp/route/route.ts'
import type { LocalAgent } from '../../reflector/types.ts'
import { createEd25519Signer, IDENTITY_FILE, loadOrCreateIdentity } from '../../daemon/identity/index.ts'
import { AGP_PROTOCOL } from '../../daemon/p2p/agp-transport.ts'
import { FrameChannel } from '../../daemon/p2p/frame-channel.ts'
import { createLibp2pNode } from '../../daemon/p2p/libp2p-node.ts'
import { freePort } from '../../daemon/launcher/free-ports.ts'
import { DEFAULT_HOLD_TIME_S } from '../../agp/index.ts'

/** Frames kept per session: a test that floods reads counts, not every frame. */
const MAX_KEPT_FRAMES = 10_000
const MAX_QUEUED_BYTES = 256 * 1024 * 1024

type FrameOf<T extends Frame['type']> = Extract<Frame, { type: T }>

export interface AgpWireSession {
  /** Frames the daemon sent on this stream, decoded, in order (bounded). */
  readonly frames: readonly Frame[]
  /** Payloads that did not decode (the daemon never should send one). */
  readonly badFrames: readonly string[]
  readonly isOpen: boolean
  /** Why the stream ended (undefined while open). */
  readonly closeReason: string | undefined
  /** Encodes and sends frames (joined into one write, as the daemon does). */
  send (...frames: Frame[]): void
  /** One length-prefixed frame with arbitrary payload bytes. */
  sendPayload (payload: Uint8Array): void
  /** Raw bytes on the stream, bypassing the framing (e.g. a length prefix past the limit). */
  sendRaw (bytes: Uint8Array): void
  /** The first received frame of this type (already received or yet to come). */
  next<T extends Frame['type']> (type: T, options?: { timeoutMs?: number, after?: number }): Promise<FrameOf<T>>
  /** Resolves with the close reason once the stream is gone. */
  closed (timeoutMs?: number): Promise<string>
  /**
   * OPEN negotiation by the book: waits for the daemon's OPEN, sends ours, waits for its
   * KEEPALIVE and confirms with one. Hold time 0 by default (no keepalives to answer).
   */
  handshake (open?: Partial<Omit<OpenFrame, 'type'>>): Promise<OpenFrame>
  close (): Promise<void>
}

export interface AgpWirePeer {
  readonly peerId: string
  readonly org: string
  readonly addr: string
  readonly signer: Signer
  readonly node: Libp2p
  /** Opens our `/agp/1.0.0` stream to the daemon. */
  dial (peerId: string, addr: string): Promise<AgpWireSession>
  /** The next stream the daemon opened to us. */
  accept (timeoutMs?: number): Promise<AgpWireSession>
  /** A route for this agent, originated and signed by us (originSeq increases per call). */
  originate (agent: Pick<LocalAgent, 'id' | 'capability'> & Partial<LocalAgent>, nowMs?: number): Route
  /** Signs exactly these attributes with our key, whatever originPeerId they claim. */
  sign (attrs: RouteAttributes, orgPath?: readonly string[]): Route
  stop (): Promise<void>
}

export interface AgpWirePeerInit {
  readonly org: string
}

/**
 * A fresh identity dir under `root` whose peer id sorts below `peerId`: on peer and
 * partner sessions the lower id dials (reflector/speaker-sessions.ts isPassive), so
 * the daemon then waits for us. The share of ids that qualify is the rank of `peerId`,
 * not a half: a daemon whose random id sorts in the lowest percent left 64 tries empty
 * about half the time. Keys are tried in memory (cheap) and only the one kept is written.
 */
export async function identityBelow (root: string, peerId: string): Promise<string> {
  for (let i = 0; i < 100_000; i++) {
    const key = await generateKeyPair('Ed25519')
    if (peerIdFromPrivateKey(key).toString() >= peerId) continue
    const dir = mkdtempSync(join(root, 'wire-'))
    writeFileSync(join(dir, IDENTITY_FILE), privateKeyToProtobuf(key), { mode: 0o600 })
    return dir
  }
  throw new Error(`no identity below ${peerId} in 100,000 tries`)
}

export async function startAgpWirePeer (dataDir: string, init: AgpWirePeerInit): Promise<AgpWirePeer> {
  const { privateKey, peerId } = await loadOrCreateIdentity(dataDir)
  const signer = createEd25519Signer(peerId, privateKey)
  const port = await freePort()
  const node = await createLibp2pNode({ privateKey, listen: [`/ip4/127.0.0.1/tcp/${port}`], dht: false, holdTimeS: DEFAULT_HOLD_TIME_S })
  const sessions = new Set<AgpWireSession>()
  const inbound: AgpWireSession[] = []
  const inboundWaiters: ((s: AgpWireSession) => void)[] = []
  let seq = 0

  await node.handle(AGP_PROTOCOL, (stream) => {
    const s = wireSession(stream, init.org)
    sessions.add(s)
    const waiter = inboundWaiters.shift()
    if (waiter !== undefined) waiter(s)
    else inbound.push(s)
  })
  await node.start()

  return {
    peerId,
    org: init.org,
    addr: `/ip4/127.0.0.1/tcp/${port}`,
    signer,
    node,
    async dial (target, addr) {
      const stream = await node.dialProtocol(multiaddr(`${addr}/p2p/${target}`), AGP_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      const s = wireSession(stream, init.org)
      sessions.add(s)
      return s
    },
    async accept (timeoutMs = 10_000) {
      const ready = inbound.shift()
      if (ready !== undefined) return ready
      return await withTimeout(new Promise<AgpWireSession>((resolve) => { inboundWaiters.push(resolve) }), timeoutMs, 'an inbound AGP stream')
    },
    originate (agent, nowMs = Date.now()) {
      const full: LocalAgent = {
        endpoint: 'http://127.0.0.1:9001',
        costUsd: 0.1,
        latencyMs: { p50: 100, p95: 200 },
        winRate: { wins: 9, trials: 10 },
        region: 'eu',
        tags: [],
        ...agent
      }
      return originateRoute(full, { org: init.org, signer, originSeq: ++seq, nowMs })
    },
    sign (attrs, orgPath = [attrs.originOrg]) {
      const attrsBytes = encodeRouteAttributes(attrs)
      return { attrs, attrsBytes, signature: signer.sign(attrsBytes), orgPath, sitePath: [], originatorId: '', clusterList: [], pathTags: [] }
    },
    async stop () {
      await Promise.all([...sessions].map(async (s) => { await s.close() }))
      await node.stop()
    }
  }
}

function wireSession (stream: Stream, org: string): AgpWireSession {
  const frames: Frame[] = []
  const badFrames: string[] = []
  let closeReason: string | undefined
  const onFrame = new Set<() => void>()
  const onClosed = Promise.withResolvers<string>()
  const ch = new FrameChannel(stream, {
    // A flood test may queue many MB at once; the daemon's bounds are under test, not ours.
    maxQueuedBytes: MAX_QUEUED_BYTES,
    onPayload: (bytes) => {
      const d = decodeFrame(bytes)
      if (!d.ok) { badFrames.push(d.error.message); return }
      if (frames.length < MAX_KEPT_FRAMES) frames.push(d.value)
      for (const wake of [...onFrame]) wake()
    },
    onClose: (reason) => {
      closeReason = reason
      onClosed.resolve(reason)
      for (const wake of [...onFrame]) wake()
    }
  })

  const session: AgpWireSession = {
    frames,
    badFrames,
    get isOpen () { return ch.isOpen },
    get closeReason () { return closeReason },
    send (...fs) { requireOpen(ch).enqueue(fs.map((f) => encodeFrame(f))) },
    sendPayload (payload) { requireOpen(ch).enqueue([payload]) },
    sendRaw (bytes) { requireOpen(ch).stream.send(bytes) },
    async next (type, options = {}) {
      const find = (): Frame | undefined => frames.slice(options.after ?? 0).find((f) => f.type === type)
      const what = (): string => `a ${type} frame (received so far: ${frames.map((f) => f.type).join(', ') || 'none'}${closeReason !== undefined ? `; closed: ${closeReason}` : ''})`
      return await withTimeout(new Promise<FrameOf<typeof type>>((resolve) => {
        const check = (): void => {
          const f = find()
          if (f === undefined) return
          onFrame.delete(check)
          resolve(f as FrameOf<typeof type>)
        }
        onFrame.add(check)
        check()
      }), options.timeoutMs ?? 10_000, what)
    },
    async closed (timeoutMs = 10_000) {
      return await withTimeout(onClosed.promise, timeoutMs, 'the stream to close')
    },
    async handshake (open = {}) {
      const theirs = await session.next('open')
      const after = frames.indexOf(theirs) + 1
      session.send({ type: 'open', org, site: open.site ?? org, role: 'peer', cluster: '', holdTimeS: 0, capabilities: [], interests: [], ...open })
      await session.next('keepalive', { after })
      session.send({ type: 'keepalive' })
      return theirs
    },
    async close () { await ch.close(500) }
  }
  return session
}

function requireOpen (ch: FrameChannel): FrameChannel {
  if (!ch.isOpen) throw new Error('wire peer: the AGP stream is not open')
  return ch
}

async function withTimeout<T> (p: Promise<T>, timeoutMs: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)) }, timeoutMs)
    })])
  } finally {
    clearTimeout(timer)
  }
}
