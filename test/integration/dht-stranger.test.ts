// A stranger speaking Kad-DHT to a daemon's libp2p node over 127.0.0.1: its provider
// records for random keys are refused (the store does not grow), while a record for the
// federation key is still kept, so discovery keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { BoundedDhtStore } from '../../daemon/discovery/bounded-dht-store.ts'
import { federationKey } from '../../daemon/discovery/federation-key.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { createLibp2pNode, KAD_PROTOCOL } from '../../daemon/p2p/libp2p-node.ts'

const RANDOM_KEYS = 40

async function providerEntries (store: BoundedDhtStore): Promise<string[]> {
  const keys: string[] = []
  for await (const k of store.queryKeys({ prefix: '/dht/provider' })) keys.push(k.toString())
  return keys
}

describe('Kad-DHT records from a stranger', () => {
  let daemon: Libp2p, stranger: Libp2p
  let store: BoundedDhtStore

  beforeAll(async () => {
    store = new BoundedDhtStore({ providerKeys: [await federationKey('demo')] })
    daemon = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], dht: true, datastore: store, holdTimeS: 0 })
    await daemon.start()
    stranger = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping(), dht: kadDHT({ protocol: KAD_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper }) }
    })
    await stranger.dial(daemon.getMultiaddrs()[0]!)
  })

  afterAll(async () => {
    await stranger?.stop()
    await daemon?.stop()
  })

  it('keeps its federation-key record and none of its random-key records', async () => {
    for (let i = 0; i < RANDOM_KEYS; i++) {
      const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`random-${i}`)))
      await stranger.contentRouting.provide(cid, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
    }
    await stranger.contentRouting.provide(await federationKey('demo'), { signal: AbortSignal.timeout(5000) })
    const entries = await waitFor(async () => {
      const e = await providerEntries(store)
      return e.length > 0 ? e : undefined
    }, { what: 'the federation-key provider record' })
    expect(entries).toHaveLength(1)
    expect(entries[0]).toContain(stranger.peerId.toString())
    expect(store.counts().providerRecords).toBe(1)
  })
})
