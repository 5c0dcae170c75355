// A paused stream must survive what the peer may still send within its yamux window:
// the daemon pauses every session stream while its event loop is full, and a bulk
// sender keeps writing until the window it was granted is used up.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, Stream } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { createLibp2pNode } from '../../daemon/p2p/libp2p-node.ts'

const PROTOCOL = '/atp/test-backpressure/1.0.0'
const nodes: Libp2p[] = []

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
})

async function node (): Promise<Libp2p> {
  const n = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], dht: false, holdTimeS: 90 })
  await n.start()
  nodes.push(n)
  return n
}

describe('stream backpressure over yamux', () => {
  it('keeps a paused stream open while the sender uses the window it was granted', async () => {
    const [a, b] = await Promise.all([node(), node()])
    const received = Promise.withResolvers<Stream>()
    await b.handle(PROTOCOL, (stream) => { received.resolve(stream) })
    const out = await a.dialProtocol(b.getMultiaddrs()[0]!, PROTOCOL)
    const inbound = await received.promise
    let bytes = 0
    inbound.addEventListener('message', (evt) => { bytes += evt.data.byteLength })
    const chunk = new Uint8Array(256 * 1024)
    const send = async (total: number): Promise<void> => {
      for (let sent = 0; sent < total && out.status === 'open'; sent += chunk.length) {
        if (!out.send(chunk)) await out.onDrain({ signal: AbortSignal.timeout(5000) }).catch(() => {})
      }
    }
    // Read fast first, so yamux grows the window to its maximum (loopback RTT is tiny)…
    await send(64 * 1024 * 1024)
    await expect.poll(() => bytes, { timeout: 20_000 }).toBe(64 * 1024 * 1024)
    // …then stop reading while the sender keeps going.
    inbound.pause()
    void send(32 * 1024 * 1024)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(inbound.status).toBe('open')
    inbound.resume()
    await expect.poll(() => bytes, { timeout: 20_000 }).toBe(96 * 1024 * 1024)
    expect(inbound.status).toBe('open')
  }, 60_000)
})
