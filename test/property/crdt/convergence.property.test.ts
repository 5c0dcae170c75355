import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import type { Envelope } from '../../../crdt/envelope.ts'
import type { Replica } from '../../../crdt/replica.ts'
import { stateHash } from '../../../crdt/state-hash.ts'
import { readerReplica, syncInto, writerReplica } from '../../helpers/memory-fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

type Op =
  | { kind: 'put', w: number, key: string, value: number }
  | { kind: 'del', w: number, key: string }
  | { kind: 'text', w: number, at: number, insert: string, del: number }
  | { kind: 'sync', from: number, to: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), w: fc.nat(2), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer() }),
  fc.record({ kind: fc.constant('del' as const), w: fc.nat(2), key: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ kind: fc.constant('text' as const), w: fc.nat(2), at: fc.nat(20), insert: fc.string({ maxLength: 4 }), del: fc.nat(3) }),
  fc.record({ kind: fc.constant('sync' as const), from: fc.nat(2), to: fc.nat(2) })
)

/** Runs ops on three writers (two orgs, acme twice in two lifetimes) and returns them. */
function run (ops: readonly Op[]): { writers: Replica[], envelopes: Envelope[] } {
  const writers = [writerReplica('acme', { clientId: 11 }), writerReplica('globex', { clientId: 22 }), writerReplica('acme', { clientId: 33, peerId: 'peer-acme-2' })]
  const envelopes: Envelope[] = []
  let t = 0
  for (const op of ops) {
    t += 10
    if (op.kind === 'sync') { syncInto(writers[op.to]!, writers[op.from]!, t); continue }
    const w = writers[op.w]!
    if (op.kind === 'put') w.put(op.key, op.value, t)
    else if (op.kind === 'del') w.delete(op.key, t)
    else {
      const len = w.text('doc').text.length
      const at = Math.min(op.at, len)
      const del = Math.min(op.del, len - at)
      if (del > 0 || op.insert.length > 0) w.editText('doc', [{ index: at, delete: del, ...(op.insert.length > 0 ? { insert: op.insert } : {}) }], t)
    }
    if (op.w === 0 || t % 30 === 0) envelopes.push(...w.flush(t, true))
  }
  for (const w of writers) envelopes.push(...w.flush(t + 1000, true))
  return { writers, envelopes }
}

describe('memory convergence (property)', () => {
  it('any delivery order with duplicates converges to the same stateHash and history', () => {
    fc.assert(fc.property(
      fc.array(opArb, { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 200 }),
      (ops, order) => {
        const { envelopes } = run(ops)
        const reference = readerReplica()
        for (const e of envelopes) reference.receive(e, 0)
        // a shuffled delivery that duplicates some envelopes and ends with all of them
        const shuffled = order.map((i) => envelopes[i % Math.max(1, envelopes.length)]).filter((e): e is Envelope => e !== undefined)
        const r = readerReplica()
        for (const e of [...shuffled, ...[...envelopes].reverse()]) {
          const res = r.receive(e, 0)
          expect(res.status).not.toBe('refused')
        }
        expect(r.parkedCount).toBe(0)
        expect(r.stateHash()).toBe(reference.stateHash())
        expect(r.versionVector()).toEqual(reference.versionVector())
        for (const k of ['a', 'b', 'c']) expect(r.history(k)).toEqual(reference.history(k))
        expect(r.text('doc')).toEqual(reference.text('doc'))
      }
    ), { numRuns })
  })

  it('a replica applying the structs its inspection decoded ends where Y.applyUpdate of the same updates ends', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 100 }), (ops, order) => {
      const { envelopes } = run(ops)
      const r = readerReplica()
      const plain = new Y.Doc({ gc: true })
      const shuffled = order.map((i) => envelopes[i % Math.max(1, envelopes.length)]).filter((e): e is Envelope => e !== undefined)
      for (const e of [...shuffled, ...envelopes]) {
        const res = r.receive(e, 0)
        if (res.status === 'applied') for (const a of res.applied) Y.applyUpdate(plain, a.update)
      }
      expect(r.stateHash()).toBe(stateHash(plain))
      expect(Y.encodeStateVector(r.doc)).toEqual(Y.encodeStateVector(plain))
      expect(Y.equalDeleteSets(Y.createDeleteSetFromStructStore(r.doc.store), Y.createDeleteSetFromStructStore(plain.store))).toBe(true)
      expect(r.text('doc').text).toBe(plain.getText('text:doc').toString())
    }), { numRuns })
  })

  it('writers that sync everything end with the same state', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      const { writers } = run(ops)
      for (let i = 0; i < 2; i++) for (const a of writers) for (const b of writers) if (a !== b) syncInto(a, b)
      const hashes = new Set(writers.map((w) => w.stateHash()))
      expect(hashes.size).toBe(1)
    }), { numRuns })
  })

  it('compaction keeps provenance answers identical', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      const { envelopes } = run(ops)
      const r = readerReplica()
      for (const e of envelopes) r.receive(e, 0)
      const answers = (x: Replica): unknown => ({
        hash: x.stateHash(),
        entries: ['a', 'b', 'c'].map((k) => [x.get(k), x.history(k)]),
        text: x.text('doc'),
        vv: x.versionVector()
      })
      const before = answers(r)
      const { checkpoint } = r.compact(Number.MAX_SAFE_INTEGER)
      expect(answers(r)).toEqual(before)
      const fresh = readerReplica()
      fresh.restore(checkpoint)
      expect(answers(fresh)).toEqual(before)
    }), { numRuns })
  })
})
