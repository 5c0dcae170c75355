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

  it('receiveMany answers exactly as receive one by one, whatever the order, duplicates and damaged members', () => {
    const damage = fc.record({ at: fc.nat(), kind: fc.constantFrom('signature', 'update', 'path', 'proof-of-other', 'none') })
    fc.assert(fc.property(fc.integer({ min: 2, max: 140 }), fc.array(damage, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 30 }), fc.nat(), (n, damages, dupPicks, rot) => {
      const { envelopes } = burst(n, 4)
      const other = burst(n, 5).envelopes
      const list: Envelope[] = envelopes.map((e) => decodeEnvelope(encodeEnvelope(e)))
      for (const d of damages) {
        const i = d.at % list.length
        const e = list[i]!
        if (d.kind === 'signature') { const sig = new Uint8Array(e.signature); sig[0]! ^= 1; list[i] = { ...e, signature: sig } }
        if (d.kind === 'update') list[i] = { ...e, update: other[i]!.update }
        if (d.kind === 'path' && e.batch !== undefined && e.batch.path.length > 0) list[i] = { ...e, batch: { ...e.batch, path: new Uint8Array(e.batch.path.length) } }
        if (d.kind === 'proof-of-other' && e.batch !== undefined) list[i] = { ...e, signature: other[i]!.signature, batch: other[i]!.batch! }
      }
      for (const p of dupPicks) list.push(list[p % list.length]!)
      const k = rot % list.length
      const order = [...list.slice(k), ...list.slice(0, k)]
      const one = readerReplica()
      const many = readerReplica()
      const a = order.map((e) => one.receive(e, 0))
      const b = many.receiveMany(order, 0)
      expect(b).toEqual(a)
      expect(many.stateHash()).toBe(one.stateHash())
      expect(many.counters).toEqual(one.counters)
    }), { numRuns: Math.ceil(numRuns / 2) })
  })

  it('deletes and text edits applied in one receiveMany transaction end where one by one does', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.integer() }),
      fc.record({ kind: fc.constant('del' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('text' as const), at: fc.nat(10), insert: fc.string({ maxLength: 3 }), del: fc.nat(2) }),
      fc.constant({ kind: 'flush' as const })
    )
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
      const w = new Replica({ namespace: NS, verifier: fakeVerifier, writer: { org: 'acme', signer: fakeSigner('peer-acme'), epoch: 1, clientId: 900 }, limits: { maxBatchUpdates: 1 } })
      const sent: Envelope[] = []
      ops.forEach((o, t) => {
        if (o.kind === 'put') w.put(o.key, o.value, t)
        else if (o.kind === 'del') w.delete(o.key, t)
        else if (o.kind === 'text') {
          const len = w.text('doc').text.length
          const at = Math.min(o.at, len)
          const del = Math.min(o.del, len - at)
          if (del > 0 || o.insert.length > 0) w.editText('doc', [{ index: at, delete: del, ...(o.insert.length > 0 ? { insert: o.insert } : {}) }], t)
        } else sent.push(...w.flush(t, true))
      })
      sent.push(...w.flush(ops.length, true))
      const one = readerReplica()
      for (const e of sent) one.receive(e, 0)
      const many = readerReplica()
      many.receiveMany(sent, 0)
      expect(many.stateHash()).toBe(w.stateHash())
      expect(one.stateHash()).toBe(w.stateHash())
      expect(many.text('doc')).toEqual(one.text('doc'))
      expect(many.history('a')).toEqual(one.history('a'))
    }), { numRuns })
  })
})
