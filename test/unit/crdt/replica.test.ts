import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { envelopeId, signEnvelope } from '../../../crdt/codec/envelope-codec.ts'
import { MemoryForbiddenError } from '../../../crdt/errors.ts'
import { Replica } from '../../../crdt/replica.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { NS, putAndSeal, readerReplica, syncInto, writerReplica } from '../../helpers/memory-fixtures.ts'

describe('Replica: write, receive, provenance', () => {
  it('a write at A reads at B with A\'s provenance', () => {
    const a = writerReplica('acme')
    const b = writerReplica('globex')
    const e = putAndSeal(a, 'finding', { severity: 'high' }, 1000)
    const r = b.receive(e, 1001)
    expect(r.status).toBe('applied')
    const got = b.get('finding')
    expect(got?.value).toEqual({ severity: 'high' })
    expect(got?.provenance).toMatchObject({ org: 'acme', peerId: 'peer-acme', seq: 1, signatureValid: true, atMs: 1000 })
    expect(got?.provenance?.vectorClock).toEqual(new Map([['peer-acme/1', 1]]))
    expect(b.stateHash()).toBe(a.stateHash())
    expect(b.receive(e, 1002).status).toBe('duplicate')
    expect(b.counters).toMatchObject({ applied: 1, duplicate: 1 })
  })

  it('changes within the batch window share one envelope', () => {
    const a = writerReplica('acme')
    expect(a.put('x', 1, 100)).toBe(1)
    expect(a.put('y', 2, 120)).toBe(1)
    expect(a.dueAtMs()).toBe(150)
    expect(a.flush(149)).toEqual([])
    const out = a.flush(150)
    expect(out).toHaveLength(1)
    expect(a.put('z', 3, 200)).toBe(2)
    const b = readerReplica()
    b.receive(out[0]!, 0)
    expect(b.entries()).toEqual({ x: 1, y: 2 })
  })

  it('one envelope that writes a key twice, deletes one it wrote and writes another: its last effect on each key is the history', () => {
    const a = writerReplica('acme')
    a.put('k', 1, 100)
    a.put('k', 2, 110)
    a.put('gone', 'x', 115)
    a.delete('gone', 118)
    a.put('j', 3, 120)
    const out = a.flush(150)
    expect(out).toHaveLength(1)
    const b = readerReplica()
    expect(b.receive(out[0]!, 0).status).toBe('applied')
    expect(b.entries()).toEqual({ k: 2, j: 3 })
    const last = (key: string): unknown => b.history(key).map((w) => [w.value, w.deleted])
    expect(last('k')).toEqual([[2, false]])
    expect(last('gone')).toEqual([[null, true]])
    expect(last('j')).toEqual([[3, false]])
  })

  it('concurrent writes converge, history shows both in causal order', () => {
    const a = writerReplica('acme')
    const b = writerReplica('globex')
    const e1 = putAndSeal(a, 'k', 'a1', 1)
    b.receive(e1, 1)
    const ea = putAndSeal(a, 'k', 'a2', 2)
    const eb = putAndSeal(b, 'k', 'b2', 2)
    a.receive(eb, 3)
    b.receive(ea, 3)
    expect(a.stateHash()).toBe(b.stateHash())
    expect(a.get('k')?.value).toBe(b.get('k')?.value)
    const h = a.history('k')
    expect(h.map((w) => w.value)).toEqual(b.history('k').map((w) => w.value))
    expect(h[0]?.value).toBe('a1')
    expect(new Set(h.slice(1).map((w) => w.value))).toEqual(new Set(['a2', 'b2']))
    for (const w of h.slice(1)) expect(w.provenance.vectorClock.get('peer-acme/1')).toBeGreaterThanOrEqual(1)
    const ofB = h.find((w) => w.value === 'b2')
    expect(ofB?.provenance).toMatchObject({ org: 'globex', seq: 1 })
  })

  it('delete is a write in the history', () => {
    const a = writerReplica('acme')
    putAndSeal(a, 'k', 1, 1)
    expect(a.delete('k', 2)).toBe(2)
    a.flush(2, true)
    expect(a.delete('nope', 3)).toBeUndefined()
    const b = readerReplica()
    syncInto(b, a)
    expect(b.get('k')).toBeUndefined()
    expect(b.history('k').map((w) => [w.value, w.deleted])).toEqual([[1, false], [null, true]])
  })

  it('text edits converge and authorship maps characters to writers', () => {
    const a = writerReplica('acme')
    const b = writerReplica('globex')
    a.editText('notes', [{ index: 0, insert: 'hello world' }], 1)
    a.flush(1, true)
    syncInto(b, a)
    b.editText('notes', [{ index: 5, insert: ',' }, { index: 0, delete: 1, insert: 'H' }], 2)
    b.flush(2, true)
    syncInto(a, b)
    expect(a.text('notes').text).toBe('Hello, world')
    expect(a.text('notes').authors).toEqual([
      { from: 0, to: 1, org: 'globex', peerId: 'peer-globex' },
      { from: 1, to: 5, org: 'acme', peerId: 'peer-acme' },
      { from: 5, to: 6, org: 'globex', peerId: 'peer-globex' },
      { from: 6, to: 12, org: 'acme', peerId: 'peer-acme' }
    ])
    expect(b.text('notes')).toEqual(a.text('notes'))
    expect(a.textKeys()).toEqual(['notes'])
    expect(() => a.editText('notes', [{ index: 99, insert: 'x' }], 3)).toThrow(/outside/)
  })

  it('a non-writer cannot write locally', () => {
    const i = writerReplica('initech')
    expect(() => i.put('k', 1, 0)).toThrow(MemoryForbiddenError)
    expect(() => readerReplica().put('k', 1, 0)).toThrow(MemoryForbiddenError)
  })
})

describe('Replica: refusals change nothing and are counted', () => {
  function setup () {
    const a = writerReplica('acme')
    const b = readerReplica()
    const e = putAndSeal(a, 'k', 'v', 1)
    expect(b.receive(e, 1).status).toBe('applied')
    return { a, b, e, hash: b.stateHash() }
  }

  it('forged signature', () => {
    const { a, b, hash } = setup()
    const e2 = putAndSeal(a, 'k', 'w', 2)
    const sig = new Uint8Array(e2.signature); sig[0]! ^= 1
    expect(b.receive({ ...e2, signature: sig }, 2)).toMatchObject({ status: 'refused', reason: 'bad-signature' })
    expect(b.stateHash()).toBe(hash)
    expect(b.counters.refused['bad-signature']).toBe(1)
    expect(b.receive(e2, 3).status).toBe('applied')
  })

  it('foreign clientID', () => {
    const { a, b, hash } = setup()
    const mallory = writerReplica('globex', { clientId: a.localWriter!.clientId })
    const em = putAndSeal(mallory, 'k', 'evil', 2)
    expect(b.receive(em, 2)).toMatchObject({ status: 'refused', reason: 'foreign-client-id' })
    expect(b.stateHash()).toBe(hash)
  })

  it('structs of another client inside the update', () => {
    const { e, b, hash } = setup()
    const other = new Y.Doc(); other.clientID = 77
    other.getMap('entries').set('k', 'forged')
    const update = Y.encodeStateAsUpdate(other)
    const g = signEnvelope({ namespace: NS.id, org: 'globex', peerId: 'peer-globex', epoch: 1, clientId: 78, seq: 1, deps: new Map(), atMs: 2, update }, fakeSigner('peer-globex'))
    expect(b.receive(g, 2)).toMatchObject({ status: 'refused', reason: 'foreign-structs' })
    expect(b.stateHash()).toBe(hash)
    expect(envelopeId(e)).toHaveLength(64)
  })

  it('replayed sequence with other content', () => {
    const { e, b, hash } = setup()
    const forged = signEnvelope({ ...e, update: putAndSeal(writerReplica('acme', { clientId: e.clientId, epoch: 1 }), 'k', 'replayed', 5).update }, fakeSigner('peer-acme'))
    expect(b.receive(forged, 2)).toMatchObject({ status: 'refused', reason: 'replay' })
    expect(b.stateHash()).toBe(hash)
    expect(b.counters.refused.replay).toBe(1)
  })

  it('oversize update', () => {
    const { a, b, hash } = setup()
    const e2 = putAndSeal(a, 'big', 'x'.repeat(2000), 2)
    const small = readerReplica({ ...NS })
    expect(small.receive(e2, 2).status).toBe('parked')
    const tiny = new Replica({ namespace: NS, verifier: { verify: () => true }, limits: { maxUpdateBytes: 1000 } })
    expect(tiny.receive(e2, 2)).toMatchObject({ status: 'refused', reason: 'oversize' })
    expect(b.stateHash()).toBe(hash)
  })

  it('non-writer org and org mismatch', () => {
    const { b, hash } = setup()
    const i = writerReplica('initech', { ns: { ...NS, writers: ['initech'] } })
    expect(b.receive(putAndSeal(i, 'k', 'x', 2), 2)).toMatchObject({ status: 'refused', reason: 'not-writer' })
    const liar = writerReplica('globex', { peerId: 'peer-acme', epoch: 9 })
    expect(b.receive(putAndSeal(liar, 'k', 'y', 2), 2)).toMatchObject({ status: 'refused', reason: 'org-mismatch' })
    expect(b.stateHash()).toBe(hash)
  })
})

describe('Replica: parking and gap fill', () => {
  it('parks until the predecessor arrives, then applies both', () => {
    const a = writerReplica('acme')
    const e1 = putAndSeal(a, 'k', 1, 1)
    const e2 = putAndSeal(a, 'k', 2, 2)
    const b = readerReplica()
    const r = b.receive(e2, 3)
    expect(r.status).toBe('parked')
    if (r.status === 'parked') expect(r.missing.get('peer-acme/1')).toBe(1)
    expect(b.entries()).toEqual({})
    expect(b.parkedCount).toBe(1)
    const r1 = b.receive(e1, 4)
    expect(r1.status).toBe('applied')
    if (r1.status === 'applied') expect(r1.applied).toHaveLength(2)
    expect(b.entries()).toEqual({ k: 2 })
    expect(b.parkedCount).toBe(0)
  })

  it('parks on a missing dependency of another stream', () => {
    const a = writerReplica('acme')
    const g = writerReplica('globex')
    const ea = putAndSeal(a, 'k', 1, 1)
    g.receive(ea, 1)
    const eg = putAndSeal(g, 'k', 2, 2)
    const c = readerReplica()
    expect(c.receive(eg, 2).status).toBe('parked')
    expect(c.receive(ea, 3).status).toBe('applied')
    expect(c.stateHash()).toBe(g.stateHash())
  })

  it('parking is bounded per peer', () => {
    const a = writerReplica('acme')
    const envs = [1, 2, 3, 4].map((i) => putAndSeal(a, 'k', i, i))
    const b = new Replica({ namespace: NS, verifier: { verify: () => true }, limits: { maxParkedPerPeer: 2 } })
    expect(b.receive(envs[3]!, 0).status).toBe('parked')
    expect(b.receive(envs[2]!, 0).status).toBe('parked')
    expect(b.receive(envs[1]!, 0)).toMatchObject({ status: 'refused', reason: 'parking-full' })
  })
})

describe('Replica: compaction', () => {
  it('keeps provenance, history, text authors and stateHash', () => {
    const a = writerReplica('acme')
    const g = writerReplica('globex')
    putAndSeal(a, 'k', 'a', 1)
    syncInto(g, a)
    putAndSeal(g, 'k', 'g', 2)
    g.editText('t', [{ index: 0, insert: 'abc' }], 3); g.flush(3, true)
    syncInto(a, g)
    const before = { get: a.get('k'), hist: a.history('k'), text: a.text('t'), hash: a.stateHash(), vv: a.versionVector() }
    const { checkpoint, dropped } = a.compact(10 + 24 * 3600 * 1000)
    expect(dropped).toHaveLength(3)
    expect(a.missingFor(new Map())).toEqual([])
    const fresh = writerReplica('acme', { epoch: 2 })
    fresh.restore(checkpoint)
    expect({ get: fresh.get('k'), hist: fresh.history('k'), text: fresh.text('t'), hash: fresh.stateHash(), vv: fresh.versionVector() }).toEqual(before)
    expect({ get: a.get('k'), hash: a.stateHash() }).toEqual({ get: before.get, hash: before.hash })
    fresh.put('k', 'after', 20); fresh.flush(20, true)
    expect(fresh.get('k')?.provenance?.vectorClock.get('peer-globex/1')).toBe(2)
  })
})
