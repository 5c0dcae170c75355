// Kad-DHT discovery over real libp2p on 127.0.0.1: reflectors announce themselves under
// the federation key; a client that knows only a bootstrap address and a reflector's
// peer id finds the reflector's address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { pino } from 'pino'
import { createDhtDiscovery, type DhtDiscovery } from '../../daemon/discovery/dht-discovery.ts'
import { federationKey } from '../../daemon/discovery/federation-key.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

async function node (): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping(), dht: kadDHT({ protocol: '/atp/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper }) }
  })
}

describe('DHT discovery on loopback', () => {
  const logger = pino({ level: 'silent' })
  let rr1: Libp2p, rr2: Libp2p, client: Libp2p
  let d1: DhtDiscovery, d2: DhtDiscovery, dc: DhtDiscovery

  beforeAll(async () => {
    rr1 = await node(); rr2 = await node(); client = await node()
    const bootstrap = [rr1.getMultiaddrs()[0]!.toString()]
    d1 = createDhtDiscovery({ libp2p: rr1, logger }, { federation: 'demo', bootstrap, announce: true })
    d2 = createDhtDiscovery({ libp2p: rr2, logger }, { federation: 'demo', bootstrap, announce: true })
    dc = createDhtDiscovery({ libp2p: client, logger }, { federation: 'demo', bootstrap, announce: false })
    await Promise.all([d1.start(), d2.start(), dc.start()])
    await waitFor(() => d1.isReady() && d2.isReady() && dc.isReady(), { what: 'discovery ready' })
  })

  afterAll(async () => {
    await Promise.all([d1?.stop(), d2?.stop(), dc?.stop()])
    await Promise.all([rr1?.stop(), rr2?.stop(), client?.stop()])
  })

  it('derives the same federation key from the name alone', async () => {
    expect((await federationKey('demo')).equals(await federationKey('demo'))).toBe(true)
    expect((await federationKey('demo')).equals(await federationKey('other'))).toBe(false)
  })

  it('finds a reflector address it was never told', async () => {
    const addrs = await dc.findAddrs(rr2.peerId.toString())
    const listening = rr2.getMultiaddrs().map((a) => a.toString().split('/p2p/')[0])
    expect(addrs.map((a) => a.toString().split('/p2p/')[0]).some((a) => listening.includes(a))).toBe(true)
  })

  it('lists the reflectors that announced the federation', async () => {
    const found = await waitFor(async () => {
      const r = await dc.findReflectors()
      return r.length === 2 ? r : undefined
    }, { what: 'both reflectors announced' })
    expect(found.map((r) => r.peerId).sort()).toEqual([rr1.peerId.toString(), rr2.peerId.toString()].sort())
  })

  it('fails a lookup of an unknown peer with a discovery error', async () => {
    const stranger = await node()
    const id = stranger.peerId.toString()
    await stranger.stop()
    await expect(dc.findAddrs(id, { signal: AbortSignal.timeout(3000) })).rejects.toThrow(/not found in federation demo/)
  })
})
