import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { checkEnvelopeSignature } from '../../../crdt/codec/envelope-batch.ts'
import { decodeEnvelope, encodeEnvelope, envelopeId } from '../../../crdt/codec/envelope-codec.ts'
import type { Envelope } from '../../../crdt/envelope.ts'
import { Replica } from '../../../crdt/replica.ts'
import { defaultHasher, VerifiedRootCache } from '../../../kernel/batch-signature.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { NS, readerReplica } from '../../helpers/memory-fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

/** One writer's burst of `n` envelopes (one put each) signed at one flush, batches of `batchSize`. */
function burst (n: number, salt: number): { writer: Replica, envelopes: Envelope[] } {
  const writer = new Replica({ namespace: NS, verifier: fakeVerifier, writer: { org: 'acme', signer: fakeSigner('peer-acme'), epoch: 1, clientId: 700 }, limits: { maxBatchUpdates: 1 } })
  for (let i = 0; i < n; i++) writer.put(`k${i % 5}`, { salt, i }, i)
  return { writer, envelopes: writer.flush(n, true) }
}

const check = (e: Envelope, roots: VerifiedRootCache): boolean =>
  checkEnvelopeSignature(e, { verifier: fakeVerifier, hasher: defaultHasher, roots })

describe('envelope batch signatures (properties)', () => {
  it('a bit flipped anywhere in a batched envelope never yields bytes that verify, cached root or not', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 70 }), fc.nat(), fc.nat(), (n, pick, bitPick) => {
      const { envelopes } = burst(n, 1)
      const e = envelopes[pick % envelopes.length]!
      const bytes = encodeEnvelope(e)
      const bit = bitPick % (bytes.length * 8)
      const flipped = new Uint8Array(bytes)
      flipped[bit >> 3]! ^= 1 << (bit & 7)
      let d: Envelope
      try { d = decodeEnvelope(flipped) } catch { return true }
      const warm = new VerifiedRootCache()
      for (const other of envelopes) expect(check(other, warm)).toBe(true)
      return !check(d, warm) && !check(d, new VerifiedRootCache())
    }), { numRuns })
  })

  it('any proof, signature or (index, size) taken from another batch or position is refused', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 40 }), fc.nat(), fc.nat(), fc.constantFrom('signature', 'batch', 'both'), (na, nb, i, j, part) => {
      const a = burst(na, 1).envelopes
      const b = burst(nb, 2).envelopes
      const ea = a[i % a.length]!
      const eb = b[j % b.length]!
      const mixed: Envelope = part === 'signature'
        ? { ...ea, signature: eb.signature }
        : part === 'batch' ? { ...ea, batch: eb.batch! } : { ...ea, signature: eb.signature, batch: eb.batch! }
      const roots = new VerifiedRootCache()
      for (const e of [...a, ...b]) check(e, roots)
      return !check(mixed, roots)
    }), { numRuns })
  })

  it('a member that receives a burst in any order ends at the writer\'s state, each envelope applied once', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 150 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([n, order]) => {
      const { writer, envelopes } = burst(n, 3)
      const r = readerReplica()
      for (const k of order) r.receive(decodeEnvelope(encodeEnvelope(envelopes[k]!)), 0)
      expect(r.counters.applied).toBe(n)
      expect(r.stateHash()).toBe(writer.stateHash())
      expect(new Set(envelopes.map((e) => envelopeId(e))).size).toBe(n)
    }), { numRuns: Math.ceil(numRuns / 4) })
  })
})
