// The update reader of memory ingest (crdt/update-decode.ts) against Yjs's own: for any
// update a doc produces (entries with any JSON value, text edits, deletions, nested
// types that inspection refuses) and for those bytes mutated, it returns what
// Y.decodeUpdate returns, struct for struct, or throws what it throws. Scale with
// FUZZ_RUNS; the mutated updates get FUZZ_DECODER_RUNS inputs.
import fc from 'fast-check'
import { applyByteEdits, byteEdit } from '../../helpers/byte-edits.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeUpdate } from '../../../crdt/update-decode.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

/** Strings of every kind: ASCII short and long, non-ASCII, lone surrogates, `__proto__`. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', '__proto__', 'x'.repeat(32), 'y'.repeat(33), 'é', '\u{1F600}')
)
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' },
    text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.uint8Array({ maxLength: 4 }),
    fc.array(tie('any'), { maxLength: 4 }),
    fc.dictionary(text, tie('any'), { maxKeys: 4, noNullPrototype: true }))
})).any

type Op =
  | { kind: 'set', key: string, value: unknown }
  | { kind: 'delete', key: string }
  | { kind: 'insert', key: string, at: number, s: string }
  | { kind: 'cut', key: string, at: number, n: number }
  | { kind: 'nested', key: string }

const key = fc.constantFrom('a', 'b', 'k-1', 'é')
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('insert' as const), key, at: fc.nat(20), s: text }),
  fc.record({ kind: fc.constant('cut' as const), key, at: fc.nat(20), n: fc.nat(5) }),
  fc.record({ kind: fc.constant('nested' as const), key })
)

/** Updates of a doc that runs `before` (what the receiver has) then `ops` in a few transactions. */
function updatesOf (before: readonly Op[], ops: readonly Op[][]): Uint8Array[] {
  const doc = new Y.Doc({ gc: true })
  doc.clientID = 7
  const out: Uint8Array[] = []
  const run = (o: Op): void => {
    const t = doc.getText(`text:${o.key}`)
    if (o.kind === 'set') doc.getMap('entries').set(o.key, o.value)
    else if (o.kind === 'delete') doc.getMap('entries').delete(o.key)
    else if (o.kind === 'insert') t.insert(Math.min(o.at, t.length), o.s)
    else if (o.kind === 'cut') t.delete(Math.min(o.at, t.length), Math.min(o.n, t.length - Math.min(o.at, t.length)))
    else doc.getMap('entries').set(o.key, new Y.Map())
  }
  doc.transact(() => { before.forEach(run) })
  doc.on('update', (u: Uint8Array) => { out.push(u) })
  for (const tx of ops) doc.transact(() => { tx.forEach(run) })
  out.push(Y.encodeStateAsUpdate(doc))
  return out
}

/**
 * A decoded value as plain data: own fields and what its prototype is. A `__proto__`
 * field makes lib0 (and the reader) set the object's prototype to that field's value;
 * when that value is a byte array, the two readers' objects have prototypes that are
 * equal views of different buffers, which a deep equality cannot compare (it reads
 * typed-array getters through an object that is not one).
 */
function plain (v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return { bytes: [...(v as Uint8Array)] }
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v !== 'object' || v === null) return v
  const proto: unknown = Object.getPrototypeOf(v)
  return { proto: proto === Object.prototype ? 'Object' : plain(proto), own: Object.entries(v).map(([k, x]) => [k, plain(x)]) }
}

/** A struct field by field (a nested type's content by its class: reading a detached type makes Yjs warn). */
function structOf (s: Y.Item | Y.GC | Y.Skip): unknown {
  if (!(s instanceof Y.Item)) return { kind: s.constructor.name, id: s.id, length: s.length }
  const c = s.content
  const content = c instanceof Y.ContentType ? { type: c.type.constructor.name } : c instanceof Y.ContentAny ? { arr: c.arr.map(plain) } : c
  return { kind: 'Item', id: s.id, length: s.length, info: s.info, origin: s.origin, rightOrigin: s.rightOrigin, parent: s.parent, parentSub: s.parentSub, contentClass: c.constructor.name, content }
}

/** Structs field by field, the delete set's ranges as plain pairs (Yjs keeps its range class to itself). */
function comparable (u: { structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>, ds: ReturnType<typeof Y.decodeUpdate>['ds'] }): unknown {
  return { structs: u.structs.map(structOf), ds: [...u.ds.clients].map(([client, ranges]) => [client, ranges.map((r) => [r.clock, r.len])]) }
}

function sameAsYjs (update: Uint8Array): void {
  let expected: ReturnType<typeof Y.decodeUpdate> | undefined
  let thrown: unknown
  try { expected = Y.decodeUpdate(update) } catch (err) { thrown = err }
  if (expected === undefined) {
    expect(() => decodeUpdate(update)).toThrow((thrown as Error).message)
    return
  }
  expect(comparable(decodeUpdate(update))).toStrictEqual(comparable(expected))
}

describe('update reader: what Y.decodeUpdate gives, or its error', () => {
  it('for the updates a doc produces', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 6 }), fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), (before, ops) => {
      for (const u of updatesOf(before, ops)) sameAsYjs(u)
    }), { numRuns })
  })

  it('for a `__proto__` field holding bytes (the reader sets the prototype as lib0 does)', () => {
    const holder = JSON.parse('{"__proto__": 0}') as Record<string, unknown>
    holder['__proto__'] = new Uint8Array(0)
    for (const u of updatesOf([], [[{ kind: 'set', key: 'a', value: { '': holder } }], [{ kind: 'insert', key: 'a', at: 0, s: '' }]])) sameAsYjs(u)
  })

  it('for those updates mutated', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 4 }), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), (ops, edits) => {
      const seed = updatesOf([], [ops])[0] as Uint8Array
      sameAsYjs(applyByteEdits(seed, edits))
    }), { numRuns: decoderRuns })
  })
})
