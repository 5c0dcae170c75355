// Fuzzing the records Kad-DHT asks the daemon to store: whatever keys, values and order
// of writes and deletes a peer causes, the store keeps only provider records for the
// federation's key from allowlisted peers, never more records than its bounds, counts
// exactly what it holds, and answers a refused write with DhtRecordRefusedError having
// stored nothing. CI-sized here (100 sequences of up to 40 writes and deletes, ~20 on
// average, enough to overflow the bounds); with FUZZ_DHT_OPS=<n> (a million in
// `npm run fuzz`) it runs batches of sequences until n writes and deletes have reached
// the store: each is one record a peer sent.
import fc from 'fast-check'
import { Key } from 'interface-datastore'
import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import { BoundedDhtStore, DhtRecordRefusedError, providerKeySegment } from '../../../daemon/discovery/bounded-dht-store.ts'
import { federationKey } from '../../../daemon/discovery/federation-key.ts'
import { batchParameters } from '../../helpers/fuzz-batches.ts'

/** Writes and deletes to send in all; 0 = one CI-sized batch. */
const opBudget = Number(process.env.FUZZ_DHT_OPS ?? 0)
/** Sequences per fast-check run: large batches keep its bias ramp from small to large values. */
const batchRuns = opBudget > 0 ? 10_000 : 100
const ALLOWED_PEERS = ['12D3KooWGRUVh7d1zXvnS5T3XgG3vRjPXDnQTGZ3UwsNbvB6sDvV', '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo']
const MAX_PROVIDERS = 3
const MAX_VALUES = 4

let fed: CID
beforeAll(async () => { fed = await federationKey('demo') })

/** A key Kad-DHT could write: a provider record (allowed key or not, allowed peer or not), a value record, anything. */
const keyText = fc.oneof(
  fc.tuple(fc.boolean(), fc.oneof(fc.constantFrom(...ALLOWED_PEERS), fc.string({ maxLength: 60 }))).map(([own, peer]) => ({ provider: own, peer })),
  fc.string({ maxLength: 20 }).map((s) => `/dht/record/${s}`),
  fc.string({ maxLength: 40 }).map((s) => `/dht/provider/${s}`),
  fc.string({ maxLength: 40 }).map((s) => `/${s}`)
)
const op = fc.record({ del: fc.boolean(), key: keyText, value: fc.uint8Array({ maxLength: 32 }) })

function keyOf (k: string | { provider: boolean, peer: string }): Key {
  if (typeof k === 'string') return new Key(k)
  const segment = k.provider ? providerKeySegment(fed) : 'CIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
  return new Key(`/dht/provider/${segment}/${k.peer}`)
}

describe('BoundedDhtStore under arbitrary writes', () => {
  it('holds only allowed records within its bounds, and counts them exactly', async () => {
    let sequences = 0
    let sent = 0
    const cpu = process.cpuUsage()
    let batch = 0
    do {
      await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 40, size: 'max' }), async (ops) => {
        const store = new BoundedDhtStore({ providerKeys: [fed], providerPeers: ALLOWED_PEERS, maxProviderRecords: MAX_PROVIDERS, maxValueRecords: MAX_VALUES })
        sequences++
        for (const o of ops) {
          sent++
          const key = keyOf(o.key)
          if (o.del) {
            await store.delete(key)
            continue
          }
          const before = await store.has(key)
          try {
            await store.put(key, o.value)
          } catch (err) {
            expect(err).toBeInstanceOf(DhtRecordRefusedError)
            expect(await store.has(key)).toBe(before)
          }
        }
        const held: string[] = []
        for await (const k of store.queryKeys({})) held.push(k.toString())
        const providers = held.filter((k) => k.startsWith('/dht/provider/'))
        const values = held.filter((k) => k.startsWith('/dht/record/'))
        for (const k of providers) {
          const [segment, peer] = k.slice('/dht/provider/'.length).split('/')
          expect(segment).toBe(providerKeySegment(fed))
          expect(ALLOWED_PEERS).toContain(peer)
        }
        expect(providers.length).toBeLessThanOrEqual(MAX_PROVIDERS)
        expect(values.length).toBeLessThanOrEqual(MAX_VALUES)
        expect(store.counts()).toEqual({ providerRecords: providers.length, valueRecords: values.length })
      }), batchParameters(batch++, batchRuns))
    } while (sent < opBudget)
    const { user, system } = process.cpuUsage(cpu)
    if (opBudget > 0) console.log(`DHT store fuzz: ${sequences} sequences, ${sent} writes and deletes, ${Math.round((user + system) / 1e6)} s of CPU`)
  })
})
