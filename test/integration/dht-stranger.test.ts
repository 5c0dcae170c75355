// A stranger speaking Kad-DHT to a daemon's libp2p node over 127.0.0.1: its provider
// records are refused, for random keys and for the federation key alike (it is not on
// the allowlist), while an allowlisted peer's federation-key record is kept, so
// discovery keeps working; and its requests past the per-peer rate are refused, however
// it sends them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { pino } from 'pino'
import { BoundedDhtStore } from '../../daemon/discovery/bounded-dht-store.ts'
import { createDhtDiscovery } from '../../daemon/discovery/dht-discovery.ts'
import { federationKey } from '../../daemon/discovery/federation-key.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { createLibp2pNode, KAD_PROTOCOL } from '../../daemon/p2p/libp2p-node.ts'

const RANDOM_KEYS = 40
const REQUESTS_PER_PEER = 20
/** A Kad-DHT PING request (protobuf field 1, type = 5): the daemon answers it with itself. */
const KAD_PING = Uint8Array.of(0x08, 0x05)

async function providerEntries (store: BoundedDhtStore): Promise<string[]> {
  const keys: string[] = []
  for await (const k of store.queryKeys({ prefix: '/dht/provider' })) keys.push(k.toString())
  return keys
}

/** A peer that speaks Kad-DHT (with `dht`), or one that only sends what the test writes. */
async function kadPeer (dht = true): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping(), ...(dht ? { dht: kadDHT({ protocol: KAD_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper }) } : {}) }
  })
}

describe('Kad-DHT records from a stranger', () => {
  let daemon: Libp2p, stranger: Libp2p, neighbor: Libp2p
  let store: BoundedDhtStore

  beforeAll(async () => {
    neighbor = await kadPeer()
    stranger = await kadPeer()
    const key = await generateKeyPair('Ed25519')
    store = new BoundedDhtStore({ providerKeys: [await federationKey('demo')], providerPeers: [neighbor.peerId.toString()] })
    daemon = await createLibp2pNode({
      privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], dht: true, datastore: store, holdTimeS: 0, kadRequestLimit: { requestsPerPeer: REQUESTS_PER_PEER, windowS: 60 }
    })
    await daemon.start()
    await Promise.all([joinDht(stranger, daemon), joinDht(neighbor, daemon)])
  })

  afterAll(async () => {
    await stranger?.stop()
    await neighbor?.stop()
    await daemon?.stop()
  })

  it("keeps the neighbor's federation-key record and none of the stranger's", async () => {
    for (let i = 0; i < RANDOM_KEYS; i++) {
      const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`random-${i}`)))
      await stranger.contentRouting.provide(cid, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
    }
    await stranger.contentRouting.provide(await federationKey('demo'), { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
    await neighbor.contentRouting.provide(await federationKey('demo'), { signal: AbortSignal.timeout(30_000) })
    const entries = await waitFor(async () => {
      const e = await providerEntries(store)
      return e.length > 0 ? e : undefined
    }, { what: 'the federation-key provider record' })
    // The neighbor provided last: had the stranger's record been kept, it would be here already.
    expect(entries).toHaveLength(1)
    expect(entries[0]).toContain(neighbor.peerId.toString())
    expect(store.counts().providerRecords).toBe(1)
  })

  it("answers a peer's requests up to its rate, then refuses them, on one stream or many", async () => {
    // No Kad-DHT of its own, so nothing but these PINGs spends its budget.
    const peer = await kadPeer(false)
    await peer.start()
    try {
      const answered = await pingFlood(peer, daemon, 3 * REQUESTS_PER_PEER)
      expect(answered).toBe(REQUESTS_PER_PEER)
      // Opening new streams does not reset the budget.
      expect(await pingFlood(peer, daemon, 5)).toBe(0)
    } finally {
      await peer.stop()
    }
  })
})

/**
 * Connects `from` to `to` until `to` is in `from`'s DHT routing table, with daemon
 * discovery's join (a provide on an empty routing table would wait until its deadline).
 */
async function joinDht (from: Libp2p, to: Libp2p): Promise<void> {
  const discovery = createDhtDiscovery({ libp2p: from, logger: pino({ level: 'silent' }) }, {
    federation: 'demo', bootstrap: [to.getMultiaddrs()[0]!.toString()], announce: false
  })
  await discovery.start()
  try {
    await waitFor(() => discovery.isReady(), { timeoutMs: 50_000, what: `${to.peerId.toString()} in the DHT routing table` })
  } finally {
    await discovery.stop()
  }
}

/** Sends `count` PINGs on one stream, one after another; returns how many were answered. */
async function pingFlood (from: Libp2p, to: Libp2p, count: number): Promise<number> {
  const stream = await from.dialProtocol(to.getMultiaddrs()[0]!, KAD_PROTOCOL, { signal: AbortSignal.timeout(5000) })
  const lp = lpStream(stream)
  let answered = 0
  try {
    for (let i = 0; i < count; i++) {
      await lp.write(KAD_PING, { signal: AbortSignal.timeout(5000) })
      await lp.read({ signal: AbortSignal.timeout(5000) })
      answered++
    }
  } catch {
    // The daemon aborted the stream: the rest were refused.
  }
  stream.abort(new Error('done'))
  return answered
}
