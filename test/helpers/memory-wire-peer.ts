/**
 * A hand-driven `/atp/memory/1.0.0` peer for hostile-input tests: a real libp2p node
 * (the daemon's own TCP + Noise + Yamux build, daemon/p2p/libp2p-node.ts) with an
 * identity the test holds, speaking the sync protocol over the daemon's FrameChannel
 * framing exactly as daemon/memory/memory-transport.ts does, but sending whatever the
 * test wants — including bytes no honest peer would.
 *
 *   const wire = await startWirePeer(dir)          // before the daemon: it dials us
 *   await wire.open(site.peerId, site.addr)        // our outbound stream to the daemon
 *   wire.send({ type: 'envelopes', envelopes: [e] })
 *   wire.received                                   // envelopes the daemon sent us
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import type { Signer } from '../../kernel/ports.ts'
import { decodeSyncMessage, encodeSyncMessage, SYNC_PROTOCOL } from '../../crdt/codec/sync-codec.ts'
import type { SyncMessage } from '../../crdt/codec/sync-codec.ts'
import type { Envelope } from '../../crdt/envelope.ts'
import { createEd25519Signer, loadOrCreateIdentity } from '../../daemon/identity/index.ts'
import { createLibp2pNode } from '../../daemon/p2p/libp2p-node.ts'
import { FrameChannel } from '../../daemon/p2p/frame-channel.ts'
import { freePort } from '../../daemon/launcher/free-ports.ts'
import { DEFAULT_HOLD_TIME_S } from '../../agp/index.ts'

export interface WirePeer {
  readonly peerId: string
  readonly addr: string
  readonly signer: Signer
  readonly node: Libp2p
  /** Envelopes the daemon sent us on its own outbound stream. */
  readonly received: Envelope[]
  /** Opens (or reopens) our outbound sync stream to the daemon. */
  open (peerId: string, addr: string): Promise<void>
  /** True while our outbound stream is open. */
  readonly isOpen: boolean
  send (m: SyncMessage): void
  /** One length-prefixed frame with arbitrary payload bytes. */
  sendFrame (payload: Uint8Array): void
  /** Raw bytes on the stream, bypassing the framing (e.g. a broken length prefix). */
  sendRaw (bytes: Uint8Array): void
  stop (): Promise<void>
}

export async function startWirePeer (dataDir: string): Promise<WirePeer> {
  const { privateKey, peerId } = await loadOrCreateIdentity(dataDir)
  const port = await freePort()
  const node = await createLibp2pNode({ privateKey, listen: [`/ip4/127.0.0.1/tcp/${port}`], dht: false, holdTimeS: DEFAULT_HOLD_TIME_S })
  const received: Envelope[] = []
  const inbound = new Set<FrameChannel>()
  let out: FrameChannel | undefined

  await node.handle(SYNC_PROTOCOL, (stream) => {
    const ch: FrameChannel = new FrameChannel(stream, {
      onPayload: (bytes) => {
        try {
          const m = decodeSyncMessage(bytes)
          if (m.type === 'envelopes') received.push(...m.envelopes)
        } catch { /* the daemon only sends well-formed messages; a test asserts on `received` */ }
      },
      onClose: () => { inbound.delete(ch) }
    })
    inbound.add(ch)
  })
  await node.start()

  const requireOut = (): FrameChannel => {
    if (out === undefined || !out.isOpen) throw new Error('wire peer: outbound stream is not open')
    return out
  }

  return {
    peerId,
    addr: `/ip4/127.0.0.1/tcp/${port}`,
    signer: createEd25519Signer(peerId, privateKey),
    node,
    received,
    get isOpen () { return out?.isOpen === true },
    async open (target, addr) {
      const stream = await node.dialProtocol(multiaddr(`${addr}/p2p/${target}`), SYNC_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      out = new FrameChannel(stream, { onPayload: () => {}, onClose: () => {} })
    },
    send (m) { requireOut().enqueue([encodeSyncMessage(m)]) },
    sendFrame (payload) { requireOut().enqueue([payload]) },
    sendRaw (bytes) { requireOut().stream.send(bytes) },
    async stop () {
      await Promise.all([...inbound, ...(out !== undefined ? [out] : [])].map(async (ch) => { await ch.close(500) }))
      await node.stop()
    }
  }
}
