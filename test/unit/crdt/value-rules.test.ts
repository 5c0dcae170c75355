// One write must not poison a namespace: values too deep, non-JSON or not byte-stable
// across UTF-8 are refused at the API (put) and, the same rule, at envelope ingest.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { canonicalJson } from '../../../kernel/canonical-json.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { entryValueProblem, valueProblem } from '../../../crdt/json-value.ts'
import { DEFAULT_MEMORY_LIMITS } from '../../../crdt/limits.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { NS, nested, putAndSeal, rawEnvelope, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

const hostile = (key: string | undefined, value: unknown, mutate?: (doc: Y.Doc) => void): ReturnType<typeof rawEnvelope> =>
  rawEnvelope({ namespace: NS.id, org: 'globex', signer: fakeSigner('peer-globex'), epoch: 1, clientId: 777, ...(key !== undefined ? { key, value } : {}), ...(mutate !== undefined ? { mutate } : {}) })

describe('memory values: bounded and canonical at the API', () => {
  it('a value 3,500 deep is refused with a clear error; nothing is written', () => {
    const a = writerReplica('acme')
    const before = a.stateHash()
    expect(() => a.put('deep', nested(3500), 0)).toThrowError(InvalidArgumentError)
    expect(() => a.put('deep', nested(3500), 0)).toThrowError(/nested deeper than 64 levels/)
    expect(a.stateHash()).toBe(before)
    expect(a.flush(0, true)).toEqual([])
    expect(() => a.put('ok', nested(63), 0)).not.toThrow()
  })

  it.each([
    ['a lone surrogate in a string', { note: 'ab\ud800' }, /lone UTF-16 surrogate at \.note/],
    ['a non-finite number', [1, Infinity], /non-finite number at \[1\]/],
    ['NaN', NaN, /non-finite/],
    ['an own __proto__ key', JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown, /"__proto__" is reserved at \.a/],
    ['a non-plain object', new Date(0), /non-plain object/],
    ['a bigint', 1n, /bigint/]
  ])('%s is refused', (_what, value, message) => {
    expect(() => writerReplica('acme').put('k', value, 0)).toThrowError(message)
  })

  it('keys: lone surrogates and __proto__ are refused for entries and texts', () => {
    const a = writerReplica('acme')
    expect(() => a.put('__proto__', 1, 0)).toThrowError(/reserved/)
    expect(() => a.put('k\udc00', 1, 0)).toThrowError(/lone UTF-16 surrogate/)
    expect(() => a.editText('__proto__', [{ index: 0, insert: 'x' }], 0)).toThrowError(/reserved/)
    expect(() => a.editText('t', [{ index: 0, insert: 'x\ud800' }], 0)).toThrowError(/lone UTF-16 surrogate/)
  })

  it('what the API accepts reads back the same at a member (same stateHash)', () => {
    const a = writerReplica('acme')
    const b = readerReplica()
    b.receive(putAndSeal(a, 'k', { 'é': ['\u{1F600}', 1.5, -0, null, { constructor: 1, prototype: 2 }] }), 0)
    expect(b.entries()).toEqual(a.entries())
    expect(b.stateHash()).toBe(a.stateHash())
  })
})

// (A lone surrogate cannot arrive over the wire: UTF-8 encoding at the writer already
// turned it into U+FFFD, the same at every member. It is refused at the API instead.)
describe('memory values: the same rule at envelope ingest', () => {
  it.each([
    ['a value 3,500 deep', 'deep', nested(3500)],
    ['Infinity', 'k', Infinity],
    ['an entry key __proto__', '__proto__', 1],
    // Decoding assigns fields, so an own __proto__ arrives as a prototype: not a plain object.
    ['a nested __proto__ key', 'k', JSON.parse('{"__proto__":{"x":1}}') as unknown],
    ['undefined', 'k', undefined],
    ['a bigint', 'k', 5n],
    ['a value past maxValueBytes', 'k', 'x'.repeat(64 * 1024 + 1)]
  ])('%s is refused (bad-value); the member keeps serving', (_what, key, value) => {
    const b = readerReplica()
    const before = b.stateHash()
    const r = b.receive(hostile(key, value), 0)
    expect(r).toMatchObject({ status: 'refused', reason: 'bad-value' })
    expect(b.stateHash()).toBe(before)
    expect(b.entries()).toEqual({})
    expect(b.counters.refused['bad-value']).toBe(1)
  })

  it('nested Yjs types, binaries and a text named __proto__ are refused', () => {
    const cases: Array<(doc: Y.Doc) => void> = [
      (doc) => { doc.getMap('entries').set('m', new Y.Map()) },
      (doc) => { doc.getMap('entries').set('b', new Uint8Array([1])) },
      (doc) => { doc.getText('text:__proto__').insert(0, 'x') }
    ]
    for (const mutate of cases) expect(readerReplica().receive(hostile(undefined, undefined, mutate), 0)).toMatchObject({ status: 'refused', reason: 'bad-value' })
  })
})

describe('canonicalJson', () => {
  it('is iterative: a value 100,000 deep hashes without overflowing the stack', () => {
    const s = canonicalJson(nested(100_000))
    expect(s.length).toBe(200_001)
  })

  it('sorts keys at every depth, drops undefined fields, writes undefined items as null', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined], c: 'x' }, e: undefined })).toBe('{"a":{"c":"x","d":[1,null]},"b":1}')
    expect(canonicalJson(new Uint8Array([1, 2]))).toBe('[1,2]')
    expect(canonicalJson(undefined)).toBe('null')
  })
})

describe('memory values: the size bound counts UTF-8 bytes', () => {
  it('refuses exactly the values whose JSON is longer than maxValueBytes in UTF-8', () => {
    const utf8 = new TextEncoder()
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 2, max: 200 }), (value, maxValueBytes) => {
      const bytes = utf8.encode(JSON.stringify(value)).length
      const problem = entryValueProblem(value, { ...DEFAULT_MEMORY_LIMITS, maxValueBytes })
      expect(problem).toBe(bytes > maxValueBytes ? `exceeds ${maxValueBytes} bytes (${bytes})` : undefined)
    }))
  })

  it('refuses exactly those values whatever their shape: flat arrays and objects of any scalar, nested ones', () => {
    const utf8 = new TextEncoder()
    // Strings whose JSON text is longest for their length (each character escaped).
    const escaped = fc.array(fc.constantFrom('\u0001', '\u001f', '"', '\u2028'), { minLength: 4, maxLength: 40 }).map((cs) => cs.join(''))
    const scalar = fc.oneof(
      escaped, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 6 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-1.7976931348623157e308, 5e-324, -0, 1e21), fc.integer(), fc.boolean(), fc.constant(null))
    const key = fc.string({ unit: 'grapheme', maxLength: 8 }).filter((k) => k !== '__proto__')
    const flat = fc.oneof(scalar, fc.array(scalar, { maxLength: 8 }), fc.dictionary(key, scalar, { maxKeys: 6, noNullPrototype: true }))
    const value = fc.oneof(escaped, flat, fc.array(flat, { maxLength: 3 }), fc.dictionary(key, flat, { maxKeys: 3, noNullPrototype: true }))
    fc.assert(fc.property(value, fc.integer({ min: 2, max: 300 }), (v, maxValueBytes) => {
      const limits = { ...DEFAULT_MEMORY_LIMITS, maxValueBytes }
      const shape = valueProblem(v, { maxDepth: limits.maxValueDepth, maxNodes: maxValueBytes })
      const bytes = utf8.encode(JSON.stringify(v)).length
      expect(entryValueProblem(v, limits)).toBe(shape ?? (bytes > maxValueBytes ? `exceeds ${maxValueBytes} bytes (${bytes})` : undefined))
    }), { numRuns: 2000 })
  })

  it('names the path of the offending part', () => {
    expect(entryValueProblem({ a: [1, { b: Infinity }] }, DEFAULT_MEMORY_LIMITS)).toBe('has a non-finite number at .a[1].b')
    expect(entryValueProblem(['\uD800'], DEFAULT_MEMORY_LIMITS)).toBe('has a string with a lone UTF-16 surrogate at [0]')
    expect(entryValueProblem(Infinity, DEFAULT_MEMORY_LIMITS)).toBe('has a non-finite number')
  })
})
