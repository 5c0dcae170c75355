/**
 * The libp2p datastore of a daemon with discovery on. Kad-DHT writes what any connected
 * peer sends (ADD_PROVIDER, PUT_VALUE) straight into libp2p's datastore, with no bound
 * of its own; this store refuses what the federation does not need before it is kept:
 * - provider records only for the federation's keys (a stranger's records for random
 *   keys never land) and only from allowlisted peers (a provider record names its
 *   sender: Kad-DHT drops one that claims another peer), so a stranger cannot claim
 *   to reflect for the federation; a refused write makes Kad-DHT skip merging the
 *   sender's addresses into the peer store too;
 * - at most `maxProviderRecords` provider records and `maxValueRecords` value records
 *   in total, so even allowed keys cannot grow memory without end.
 */
import { MemoryDatastore } from 'datastore-core/memory'
import type { Key } from 'interface-datastore'
import type { AbortOptions } from '@libp2p/interface'
import { base32 } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'

export const DHT_DATASTORE_PREFIX = '/dht'
const PROVIDER_PREFIX = `${DHT_DATASTORE_PREFIX}/provider/`
const RECORD_PREFIX = `${DHT_DATASTORE_PREFIX}/record/`

export const DEFAULT_MAX_PROVIDER_RECORDS = 1024
export const DEFAULT_MAX_VALUE_RECORDS = 1024

export interface BoundedDhtStoreInit {
  /** The only keys whose provider records are kept. */
  readonly providerKeys: readonly CID[]
  /**
   * The only peers (ids as strings) whose provider records are kept: the node itself and
   * its configured neighbors. Absent: any peer's.
   */
  readonly providerPeers?: readonly string[]
  readonly maxProviderRecords?: number
  readonly maxValueRecords?: number
}

export class DhtRecordRefusedError extends Error {
  readonly code = 'ERR_DHT_RECORD_REFUSED'
}

/** Kad-DHT's provider key segment: the base32 multihash of the CID. */
export function providerKeySegment (cid: CID): string {
  return base32.baseEncode(cid.multihash.bytes)
}

export class BoundedDhtStore extends MemoryDatastore {
  private readonly allowed: ReadonlySet<string>
  private allowedPeers: ReadonlySet<string> | undefined
  private readonly maxProviderRecords: number
  private readonly maxValueRecords: number
  private providerRecords = 0
  private valueRecords = 0

  constructor (init: BoundedDhtStoreInit) {
    super()
    this.allowed = new Set(init.providerKeys.map(providerKeySegment))
    this.allowedPeers = init.providerPeers !== undefined ? new Set(init.providerPeers) : undefined
    this.maxProviderRecords = init.maxProviderRecords ?? DEFAULT_MAX_PROVIDER_RECORDS
    this.maxValueRecords = init.maxValueRecords ?? DEFAULT_MAX_VALUE_RECORDS
  }

  /** Provider and value records currently held. */
  counts (): { providerRecords: number, valueRecords: number } {
    return { providerRecords: this.providerRecords, valueRecords: this.valueRecords }
  }

  /**
   * A config reload's allowlist (the node and its neighbors): records kept so far stay
   * until they expire; from now on only these peers' are taken.
   */
  setProviderPeers (peers: readonly string[]): void {
    if (this.allowedPeers !== undefined) this.allowedPeers = new Set(peers)
  }

  override async put (key: Key, val: Uint8Array, options?: AbortOptions): Promise<Key> {
    const name = key.toString()
    if (name.startsWith(PROVIDER_PREFIX)) {
      const [segment = '', provider = ''] = name.slice(PROVIDER_PREFIX.length).split('/')
      if (!this.allowed.has(segment)) throw new DhtRecordRefusedError('provider record for a key outside the federation')
      if (this.allowedPeers !== undefined && !this.allowedPeers.has(provider)) throw new DhtRecordRefusedError('provider record from a peer outside the allowlist')
      if (!await super.has(key)) {
        if (this.providerRecords >= this.maxProviderRecords) throw new DhtRecordRefusedError('provider record store full')
        this.providerRecords++
      }
    } else if (name.startsWith(RECORD_PREFIX) && !await super.has(key)) {
      if (this.valueRecords >= this.maxValueRecords) throw new DhtRecordRefusedError('value record store full')
      this.valueRecords++
    }
    return await super.put(key, val, options)
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    const name = key.toString()
    if (await super.has(key)) {
      if (name.startsWith(PROVIDER_PREFIX)) this.providerRecords--
      else if (name.startsWith(RECORD_PREFIX)) this.valueRecords--
    }
    await super.delete(key, options)
  }
}
