import { describe, expect, it } from 'vitest'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { BoundedDhtStore, DhtRecordRefusedError, providerKeySegment } from '../../../daemon/discovery/bounded-dht-store.ts'
import { federationKey } from '../../../daemon/discovery/federation-key.ts'

const PEER = '12D3KooWGRUVh7d1zXvnS5T3XgG3vRjPXDnQTGZ3UwsNbvB6sDvV'
const time = new Uint8Array([1])

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

function providerKey (cid: CID, peer: string): Key {
  return new Key(`/dht/provider/${providerKeySegment(cid)}/${peer}`)
}

describe('BoundedDhtStore', () => {
  it('keeps provider records for the federation key only', async () => {
    const fed = await federationKey('demo')
    const store = new BoundedDhtStore({ providerKeys: [fed] })
    await store.put(providerKey(fed, PEER), time)
    expect(await store.has(providerKey(fed, PEER))).toBe(true)
    const other = await cidOf('random')
    await expect(store.put(providerKey(other, PEER), time)).rejects.toBeInstanceOf(DhtRecordRefusedError)
    expect(await store.has(providerKey(other, PEER))).toBe(false)
    expect(store.counts().providerRecords).toBe(1)
  })

  it('caps provider and value records, counting overwrites and deletes', async () => {
    const fed = await federationKey('demo')
    const store = new BoundedDhtStore({ providerKeys: [fed], maxProviderRecords: 2, maxValueRecords: 1 })
    await store.put(providerKey(fed, 'a'), time)
    await store.put(providerKey(fed, 'a'), time)
    await store.put(providerKey(fed, 'b'), time)
    await expect(store.put(providerKey(fed, 'c'), time)).rejects.toThrow(/full/)
    await store.delete(providerKey(fed, 'a'))
    await store.put(providerKey(fed, 'c'), time)
    expect(store.counts().providerRecords).toBe(2)
    await store.put(new Key('/dht/record/x'), time)
    await expect(store.put(new Key('/dht/record/y'), time)).rejects.toBeInstanceOf(DhtRecordRefusedError)
    await store.put(new Key('/peers/anything'), time)
    expect(store.counts()).toEqual({ providerRecords: 2, valueRecords: 1 })
  })

  it('keeps provider records only from allowlisted peers when given an allowlist', async () => {
    const fed = await federationKey('demo')
    const STRANGER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
    const store = new BoundedDhtStore({ providerKeys: [fed], providerPeers: [PEER] })
    await store.put(providerKey(fed, PEER), time)
    await expect(store.put(providerKey(fed, STRANGER), time)).rejects.toThrow(/allowlist/)
    expect(await store.has(providerKey(fed, STRANGER))).toBe(false)
    expect(store.counts().providerRecords).toBe(1)
  })

  it('takes a reload\'s allowlist: a peer added is kept from then on, one removed is refused', async () => {
    const fed = await federationKey('demo')
    const NEW = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
    const store = new BoundedDhtStore({ providerKeys: [fed], providerPeers: [PEER] })
    await expect(store.put(providerKey(fed, NEW), time)).rejects.toThrow(/allowlist/)
    store.setProviderPeers([NEW])
    await store.put(providerKey(fed, NEW), time)
    await expect(store.put(providerKey(fed, PEER), time)).rejects.toThrow(/allowlist/)
  })
})
