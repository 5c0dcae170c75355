/**
 * The libp2p node of a daemon: TCP + Noise + Yamux + Identify + Ping, and Kad-DHT on
 * our own protocol only when discovery is configured (stack trap 5: the defaults drop
 * private addresses and stay in client mode, and a custom protocol keeps the node out
 * of the public IPFS DHT).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'

export const KAD_PROTOCOL = '/atp/kad/1.0.0'

export interface Libp2pNodeInit {
  readonly privateKey: Ed25519PrivateKey
  readonly listen: readonly string[]
  /** Enables Kad-DHT (server mode, loopback-capable). */
  readonly dht: boolean
  readonly maxConnections?: number
}

export async function createLibp2pNode (init: Libp2pNodeInit): Promise<Libp2p> {
  // Loaded only when used: it is a tenth of the daemon's start time.
  const kad = init.dht ? await import('@libp2p/kad-dht') : undefined
  const services = {
    identify: identify(),
    ping: ping(),
    ...(kad !== undefined ? { dht: kad.kadDHT({ protocol: KAD_PROTOCOL, clientMode: false, peerInfoMapper: kad.passthroughMapper }) } : {})
  }
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: init.maxConnections ?? 300 },
    services,
    start: false
  })
}
