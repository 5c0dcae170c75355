// The AGP transport between two in-process libp2p nodes over real TCP on 127.0.0.1
// (no Speaker: inputs are recorded). Framing, joined writes, bad frames, the
// collision rule and the bounded outbound queue.
import { afterEach, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { pino } from 'pino'
import type { Frame } from '../../agp/codec/frame.ts'
import type { SpeakerInput } from '../../reflector/types.ts'
import { AGP_PROTOCOL, AgpTransport } from '../../daemon/p2p/agp-transport.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { makeRoute } from '../helpers/fixtures.ts'

const logger = pino({ level: 'silent' })

interface End { node: Libp2p, transport: AgpTransport, inputs: SpeakerInput[], peerId: string }

async function node (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

const started: End[] = []
afterEach(async () => {
  for (const e of started.splice(0)) { await e.transport.stop(); await e.node.stop() }
})

async function pair (opts: { maxQueuedBytes?: number } = {}): Promise<[End, End]> {
  const [n1, n2] = [await node(), await node()]
  const ends = [n1, n2].map((n, i): End => {
    const other = i === 0 ? n2 : n1
    const inputs: SpeakerInput[] = []
    const neighbors = new Map<string, Multiaddr[]>([[other.peerId.toString(), other.getMultiaddrs()]])
    const transport = new AgpTransport({ libp2p: n, logger, sink: { offer: (x) => { inputs.push(x); return true }, post: (x) => { inputs.push(x) } } },
      { neighbors, ...(opts.maxQueuedBytes !== undefined ? { maxQueuedBytes: opts.maxQueuedBytes } : {}) })
    return { node: n, transport, inputs, peerId: n.peerId.toString() }
  })
  for (const e of ends) { await e.transport.start(); started.push(e) }
  return ends as [End, End]
}

const of = (inputs: SpeakerInput[], type: SpeakerInput['type']): SpeakerInput[] => inputs.filter((i) => i.type === type)

describe('AGP transport', () => {
  it('delivers many frames in order through joined writes', async () => {
    const [a, b] = await pair()
    a.transport.dial(b.peerId)
    await waitFor(() => of(a.inputs, 'transport-up').length === 1 && of(b.inputs, 'transport-up').length === 1, { what: 'up' })
    expect(of(a.inputs, 'transport-up')[0]).toEqual({ type: 'transport-up', peer: b.peerId, outbound: true })
    expect(of(b.inputs, 'transport-up')[0]).toEqual({ type: 'transport-up', peer: a.peerId, outbound: false })
    const frames: Frame[] = []
    for (let i = 0; i < 3000; i++) {
      frames.push(i % 2 === 0 ? { type: 'keepalive' } : { type: 'notification', code: 6, subcode: 0, text: `n${i}` })
    }
    for (let i = 0; i < frames.length; i += 100) a.transport.send(b.peerId, frames.slice(i, i + 100))
    await waitFor(() => of(b.inputs, 'frame').length === frames.length, { what: 'all frames' })
    expect(of(b.inputs, 'frame').map((x) => (x as { frame: Frame }).frame)).toEqual(frames)
    const stats = a.transport.stats()[0]
    expect(stats?.bytesOut).toBeGreaterThan(0)
    expect(of(b.inputs, 'bad-frame')).toEqual([])
  })

  it('turns undecodable bytes into bad-frame inputs and keeps the stream', async () => {
    const [a, b] = await pair()
    // A raw stream from a to b (b's transport accepts it: a is a configured neighbor).
    const stream = await a.node.dialProtocol(peerIdFromString(b.peerId), AGP_PROTOCOL)
    stream.send(Uint8Array.from([3, 0xff, 0xff, 0xff]))
    await waitFor(() => of(b.inputs, 'bad-frame').length === 1, { what: 'bad-frame' })
    expect(of(b.inputs, 'bad-frame')[0]).toMatchObject({ peer: a.peerId })
    expect(of(b.inputs, 'transport-down')).toEqual([])
  })

  it('resets a session whose length prefix exceeds the frame limit', async () => {
    const [a, b] = await pair()
    const stream = await a.node.dialProtocol(peerIdFromString(b.peerId), AGP_PROTOCOL)
    stream.send(Uint8Array.from([0xff, 0xff, 0xff, 0x7f])) // ~268 MB announced
    await waitFor(() => of(b.inputs, 'transport-down').length === 1, { what: 'transport-down' })
    expect((of(b.inputs, 'transport-down')[0] as { reason: string }).reason).toMatch(/bad framing/)
  })

  it('resolves a connection collision to the stream dialed by the higher peer id, on both sides', async () => {
    const [a, b] = await pair()
    a.transport.dial(b.peerId)
    b.transport.dial(a.peerId)
    const higherDialed = (e: End, other: End): boolean => e.peerId > other.peerId // e dialed the survivor iff e is higher
    await waitFor(() => a.transport.stats()[0]?.connected === true && b.transport.stats()[0]?.connected === true &&
      a.transport.stats()[0]?.outbound === higherDialed(a, b) && b.transport.stats()[0]?.outbound === higherDialed(b, a),
    { what: 'one surviving stream', timeoutMs: 10_000 })
    // The survivor works both ways.
    a.transport.send(b.peerId, [{ type: 'keepalive' }])
    b.transport.send(a.peerId, [{ type: 'end-of-rib' }])
    await waitFor(() => of(b.inputs, 'frame').length >= 1 && of(a.inputs, 'frame').length >= 1, { what: 'frames over the survivor' })
    const lastUp = (e: End): SpeakerInput | undefined => of(e.inputs, 'transport-up').at(-1)
    expect(lastUp(a)).toMatchObject({ outbound: higherDialed(a, b) })
    expect(lastUp(b)).toMatchObject({ outbound: higherDialed(b, a) })
  })

  it('resets only the session whose outbound queue overflows', async () => {
    const [a, b] = await pair({ maxQueuedBytes: 512 })
    a.transport.dial(b.peerId)
    await waitFor(() => of(a.inputs, 'transport-up').length === 1, { what: 'up' })
    const big = Array.from({ length: 20 }, (_v, i) => makeRoute({ agentId: `agent-${i}` }))
    a.transport.send(b.peerId, [{ type: 'update', announces: big, withdraws: [] }])
    await waitFor(() => of(a.inputs, 'transport-down').length === 1, { what: 'reset' })
    expect((of(a.inputs, 'transport-down')[0] as { reason: string }).reason).toMatch(/outbound queue overflow/)
    // The transport (and process) go on: a new session comes up.
    a.transport.dial(b.peerId)
    await waitFor(() => of(a.inputs, 'transport-up').length === 2, { what: 'second up' })
  })
})
