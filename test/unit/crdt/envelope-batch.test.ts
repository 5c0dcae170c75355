import { describe, expect, it } from 'vitest'
import { checkEnvelopeSignature, envelopeBatchSignedBytes, signEnvelopeBatch } from '../../../crdt/codec/envelope-batch.ts'
import { decodeEnvelope, encodeEnvelope, envelopeId, signEnvelope, verifyEnvelope } from '../../../crdt/codec/envelope-codec.ts'
import { decodeSyncMessage, encodeSyncMessage } from '../../../crdt/codec/sync-codec.ts'
import type { Envelope, UnsignedEnvelope } from '../../../crdt/envelope.ts'
import { MemoryDecodeError } from '../../../crdt/errors.ts'
import { Replica } from '../../../crdt/replica.ts'
import { defaultHasher, VerifiedRootCache } from '../../../kernel/batch-signature.ts'
import type { Signer, Verifier } from '../../../kernel/ports.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { NS, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

/** A verifier that counts its calls. */
function countingVerifier (): Verifier & { calls: number } {
  const v = { calls: 0, verify: (p: string, d: Uint8Array, s: Uint8Array) => { v.calls++; return fakeVerifier.verify(p, d, s) } }
  return v
}

/** `n` envelopes of one writer, one put each (maxBatchUpdates 1), sealed before one flush. */
function burst (n: number, opts: { org?: string, clientId?: number, from?: number, signer?: Signer } = {}): { writer: Replica, envelopes: Envelope[] } {
  const org = opts.org ?? 'acme'
  const writer = new Replica({
    namespace: NS,
    verifier: fakeVerifier,
    writer: { org, signer: opts.signer ?? fakeSigner(`peer-${org}`), epoch: 1, clientId: opts.clientId ?? 500 },
    limits: { maxBatchUpdates: 1 }
  })
  const from = opts.from ?? 0
  for (let i = 0; i < n; i++) writer.put(`k${from + i}`, { i: from + i }, 10 + i)
  return { writer, envelopes: writer.flush(100, true) }
}

const check = (e: Envelope, roots = new VerifiedRootCache(), verifier: Verifier = fakeVerifier): boolean =>
  checkEnvelopeSignature(e, { verifier, hasher: defaultHasher, roots })

describe('envelope batch signatures', () => {
  it('a flush that sealed several envelopes signs them once; a member verifies the root once', () => {
    let signs = 0
    const signer: Signer = { peerId: 'peer-acme', sign: (d) => { signs++; return fakeSigner('peer-acme').sign(d) } }
    const { writer, envelopes } = burst(5, { signer })
    expect(signs).toBe(1)
    expect(envelopes.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(envelopes.map((e) => e.batch?.index)).toEqual([0, 1, 2, 3, 4])
    expect(new Set(envelopes.map((e) => e.batch?.size))).toEqual(new Set([5]))
    expect(envelopes[3]!.deps.get('peer-acme/1')).toBe(3)
    expect(envelopes.every((e) => encodeEnvelope(e)[0] === 2)).toBe(true)
    const verifier = countingVerifier()
    const reader = new Replica({ namespace: NS, verifier })
    for (const e of envelopes) expect(reader.receive(decodeEnvelope(encodeEnvelope(e)), 0).status).toBe('applied')
    expect(verifier.calls).toBe(1)
    expect(reader.stateHash()).toBe(writer.stateHash())
    expect(reader.get('k3')?.provenance).toMatchObject({ seq: 4, org: 'acme', signatureValid: true })
  })

  it('a flush of one envelope signs it alone, byte-identical to a single signature', () => {
    const a = writerReplica('acme', { clientId: 9 })
    a.put('x', 1, 5)
    const [e] = a.flush(5, true)
    expect(e!.batch).toBeUndefined()
    const { batch: _none, signature: _sig, ...unsigned } = e!
    expect(encodeEnvelope(e!)).toEqual(encodeEnvelope(signEnvelope(unsigned as UnsignedEnvelope, fakeSigner('peer-acme'))))
    expect(encodeEnvelope(e!)[0]).toBe(1)
    expect(verifyEnvelope(e!, fakeVerifier)).toBe(true)
  })

  it('writes seal in order across flushes: seq of a put names the envelope that carries it', () => {
    const w = writerReplica('acme', { limits: { maxBatchUpdates: 1 } })
    expect(w.put('a', 1, 0)).toBe(1)
    expect(w.put('b', 2, 1)).toBe(2)
    expect(w.put('c', 3, 2)).toBe(3)
    const first = w.flush(100, true)
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(w.put('d', 4, 200)).toBe(4)
    const second = w.flush(300, true)
    expect(second.map((e) => [e.seq, e.batch])).toEqual([[4, undefined]])
    const r = readerReplica()
    for (const e of [...first, ...second]) expect(r.receive(e, 0).status).toBe('applied')
    expect(r.entries()).toEqual({ a: 1, b: 2, c: 3, d: 4 })
  })

  it('round-trips on the wire with a stable id; relays forward the same bytes', () => {
    const { envelopes } = burst(13)
    for (const e of envelopes) {
      const bytes = encodeEnvelope(e)
      const d = decodeEnvelope(bytes)
      expect(d).toEqual(e)
      expect(envelopeId(d)).toBe(envelopeId(e))
      expect(encodeEnvelope(d)).toEqual(bytes)
    }
    const m = decodeSyncMessage(encodeSyncMessage({ type: 'envelopes', envelopes }))
    expect(m.type === 'envelopes' && m.envelopes.map((e) => envelopeId(e))).toEqual(envelopes.map((e) => envelopeId(e)))
  })

  it('the decoder refuses proofs of the wrong shape and every truncation', () => {
    const { envelopes } = burst(5)
    const e = envelopes[1]!
    const bad: Array<Partial<Envelope>> = [
      { batch: { index: 0, size: 1, path: new Uint8Array(0) } },
      { batch: { index: 5, size: 5, path: e.batch!.path } },
      { batch: { index: 1, size: 5000, path: new Uint8Array(13 * 32) } },
      { batch: { index: 1, size: 5, path: e.batch!.path.subarray(32) } },
      { batch: { index: 1, size: 5, path: new Uint8Array([...e.batch!.path, ...new Uint8Array(32)]) } }
    ]
    for (const b of bad) expect(() => decodeEnvelope(encodeEnvelope({ ...e, ...b }))).toThrow(MemoryDecodeError)
    const bytes = encodeEnvelope(e)
    for (let n = 0; n < bytes.length; n++) expect(() => decodeEnvelope(bytes.slice(0, n))).toThrow(MemoryDecodeError)
  })

  it('refuses forgery: a changed body, a changed signature (even with the root cached)', () => {
    const { envelopes } = burst(6)
    const roots = new VerifiedRootCache()
    expect(check(envelopes[0]!, roots)).toBe(true)
    const e = envelopes[2]!
    for (const changed of [{ seq: 4 }, { atMs: 1 }, { org: 'globex' }, { update: new Uint8Array([...e.update, 0]) }, { deps: new Map() }, { clientId: 1 }, { epoch: 2 }]) {
      expect(check({ ...e, ...changed }, roots)).toBe(false)
    }
    const sig = new Uint8Array(e.signature); sig[10]! ^= 1
    expect(check({ ...e, signature: sig }, roots)).toBe(false)
    expect(check(e, roots)).toBe(true)
  })

  it('refuses mix-and-match: another batch\'s signature or proof, another index or size, another signer', () => {
    const a = burst(13).envelopes
    const b = burst(14, { from: 100 }).envelopes
    const roots = new VerifiedRootCache()
    for (const e of [...a, ...b]) expect(check(e, roots)).toBe(true)
    const e = a[0]!
    expect(check({ ...e, signature: b[0]!.signature }, roots)).toBe(false)
    expect(check({ ...e, batch: b[0]!.batch! }, roots)).toBe(false)
    expect(check({ ...e, batch: { ...e.batch!, size: 14 } }, roots)).toBe(false) // leaf 0 of 13 and of 14: same path length
    expect(check({ ...e, batch: a[1]!.batch! }, roots)).toBe(false)
    expect(check({ ...a[5]!, batch: a[6]!.batch! }, roots)).toBe(false)
    // the same batch signed by another key, claimed by acme's peer id
    const mallory = burst(13, { signer: { peerId: 'peer-acme', sign: (d) => fakeSigner('peer-mallory').sign(d) } }).envelopes
    expect(check(mallory[0]!, new VerifiedRootCache())).toBe(false)
    // a root signature never passes for a single envelope's, nor the reverse
    const text = new TextDecoder().decode(envelopeBatchSignedBytes('peer-acme', 13, new Uint8Array(32)))
    expect(text.startsWith('atp-memory-batch/1\n')).toBe(true)
    const single = signEnvelopeBatch([a[0]!], fakeSigner('peer-acme'), defaultHasher)[0]!
    expect(check({ ...single, batch: e.batch! }, roots)).toBe(false)
    expect(check({ ...e, batch: undefined } as unknown as Envelope, roots)).toBe(false)
  })

  it('a replica refuses a forged or mixed member and changes nothing; replays meet the sequence rule', () => {
    const { envelopes } = burst(4)
    const r = readerReplica()
    expect(r.receive(envelopes[0]!, 0).status).toBe('applied')
    const hash = r.stateHash()
    const other = burst(4, { from: 50 }).envelopes
    expect(r.receive({ ...envelopes[1]!, signature: other[1]!.signature }, 0)).toMatchObject({ status: 'refused', reason: 'bad-signature' })
    expect(r.receive({ ...envelopes[1]!, update: other[1]!.update }, 0)).toMatchObject({ status: 'refused', reason: 'bad-signature' })
    expect(r.stateHash()).toBe(hash)
    expect(r.receive(envelopes[0]!, 0).status).toBe('duplicate')
    // the same stream's seq 1 from another (validly signed) batch: other content
    expect(r.receive(other[0]!, 0)).toMatchObject({ status: 'refused', reason: 'replay' })
    for (const e of envelopes.slice(1)) expect(r.receive(e, 0).status).toBe('applied')
    expect(r.counters.refused['bad-signature']).toBe(2)
  })

  it('members arriving out of order park and apply; a bounded root cache costs checks, never answers', () => {
    const { writer, envelopes } = burst(20)
    const verifier = countingVerifier()
    const r = new Replica({ namespace: NS, verifier, limits: { maxVerifiedRoots: 1 } })
    const b = burst(20, { org: 'globex', clientId: 600 }).envelopes
    for (let i = envelopes.length - 1; i >= 0; i--) {
      expect(['parked', 'applied']).toContain(r.receive(envelopes[i]!, 0).status)
      expect(['parked', 'applied']).toContain(r.receive(b[i]!, 0).status)
    }
    expect(r.entries()).toMatchObject(writer.entries())
    expect(r.counters.applied).toBe(40)
    expect(verifier.calls).toBe(40) // two batches alternating through a cache of one root
  })

  it('receiveMany verifies a complete batch by rebuilding its tree: one signature check, no audit path walk', () => {
    const { writer, envelopes } = burst(64)
    const verifier = countingVerifier()
    let hashes = 0
    const hasher = { sha256: (d: Uint8Array) => { hashes++; return defaultHasher.sha256(d) } }
    const r = new Replica({ namespace: NS, verifier, hasher })
    const shuffled = [...envelopes.slice(32), ...envelopes.slice(0, 32)].map((e) => decodeEnvelope(encodeEnvelope(e)))
    const results = r.receiveMany(shuffled, 0)
    expect(results.filter((x) => x.status === 'applied')).toHaveLength(32)
    expect(r.counters.applied).toBe(64)
    expect(verifier.calls).toBe(1)
    expect(hashes).toBeLessThanOrEqual(3 * 64) // leaf + tree node + id per envelope; an audit path walk alone is 7
    expect(r.stateHash()).toBe(writer.stateHash())
  })

  it('receiveMany verifies a batch that arrives in order as a whole tree, even with a copy of a member later in the message', () => {
    const { writer, envelopes } = burst(16)
    let hashes = 0
    const hasher = { sha256: (d: Uint8Array) => { hashes++; return defaultHasher.sha256(d) } }
    const r = new Replica({ namespace: NS, verifier: fakeVerifier, hasher })
    const results = r.receiveMany([...envelopes, envelopes[3]!].map((e) => decodeEnvelope(encodeEnvelope(e))), 0)
    expect(results.map((x) => x.status)).toEqual([...new Array<string>(16).fill('applied'), 'duplicate'])
    expect(hashes).toBeLessThanOrEqual(3 * 17) // leaf + tree node + id each; audit path walks would be 5 each
    expect(r.stateHash()).toBe(writer.stateHash())
  })

  it('receiveMany with a forged or mis-pathed member refuses that member and applies the rest', () => {
    const { envelopes } = burst(8)
    const other = burst(8, { from: 40 }).envelopes
    const forged = [...envelopes]
    forged[3] = { ...envelopes[3]!, update: other[3]!.update }
    forged[5] = { ...envelopes[5]!, batch: { ...envelopes[5]!.batch!, path: new Uint8Array(envelopes[5]!.batch!.path.length) } }
    const verifier = countingVerifier()
    const r = new Replica({ namespace: NS, verifier })
    const results = r.receiveMany(forged, 0)
    expect(results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied', 'refused', 'parked', 'refused', 'parked', 'parked'])
    expect(r.counters.refused['bad-signature']).toBe(2)
    expect(r.receiveMany([envelopes[3]!, envelopes[5]!], 0).map((x) => x.status)).toEqual(['applied', 'applied'])
    expect(r.counters.applied).toBe(8)
  })
})
