// Fuzzing the memory layer's decoders and ingest: whatever bytes a peer sends, a
// decoder returns a value or throws MemoryDecodeError (never a RangeError from lib0),
// and a replica answers applied | duplicate | parked | refused without throwing, its
// stateHash computable and unchanged by a refusal. Scale with FUZZ_RUNS; the decoders and
// the ingest of mutated updates get FUZZ_DECODER_RUNS inputs (a million in `npm run fuzz`).
import fc from 'fast-check'
import { applyByteEdits, byteEdit } from '../../helpers/byte-edits.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { AtpError } from '../../../kernel/errors.ts'
import { decodeCheckpoint, encodeCheckpoint } from '../../../crdt/codec/checkpoint-codec.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../../crdt/codec/envelope-codec.ts'
import { decodeSyncMessage, encodeSyncMessage } from '../../../crdt/codec/sync-codec.ts'
import { MemoryDecodeError } from '../../../crdt/errors.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { NS, putAndSeal, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
/** The decoders of a peer's bytes: `npm run fuzz` gives them a million inputs each. */
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

/** Valid bytes of each kind, to mutate (most random bytes fail at the first field). */
const writer = writerReplica('acme', { clientId: 5 })
const seeds = {
  envelope: encodeEnvelope(putAndSeal(writer, 'k', { a: [1, 'x', null] })),
  sync: encodeSyncMessage({ type: 'envelopes', envelopes: writer.missingFor(new Map()) }),
  checkpoint: encodeCheckpoint(writer.compact(0).checkpoint)
}

/** Flips, inserts, deletes and truncates a few bytes of a seed. */
function mutated (seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(byteEdit, { minLength: 1, maxLength: 6 }).map((edits) => applyByteEdits(seed, edits))
}

const bytesFor = (seed: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(seed))

function onlyDecodeErrors (decode: () => unknown): void {
  try { decode() } catch (err) { expect(err).toBeInstanceOf(MemoryDecodeError) }
}

describe('memory decoders: any bytes → a value or MemoryDecodeError', () => {
  it('decodeEnvelope', () => {
    fc.assert(fc.property(bytesFor(seeds.envelope), (b) => { onlyDecodeErrors(() => decodeEnvelope(b)) }), { numRuns: decoderRuns })
  })
  it('decodeSyncMessage', () => {
    fc.assert(fc.property(bytesFor(seeds.sync), (b) => { onlyDecodeErrors(() => decodeSyncMessage(b)) }), { numRuns: decoderRuns })
  })
  it('decodeCheckpoint', () => {
    fc.assert(fc.property(bytesFor(seeds.checkpoint), (b) => { onlyDecodeErrors(() => decodeCheckpoint(b)) }), { numRuns: decoderRuns })
  })
})

describe('memory ingest: any signed update → a result, never a throw', () => {
  const doc = new Y.Doc()
  doc.clientID = 9
  doc.getMap('entries').set('k', { deep: [[[1]]], s: 'x' })
  doc.getText('text:t').insert(0, 'hello')
  const update = Y.encodeStateAsUpdate(doc)

  it('mutated Yjs updates, validly signed, are applied or refused; a refusal changes nothing', () => {
    fc.assert(fc.property(bytesFor(update), (u) => {
      const r = readerReplica()
      const before = r.stateHash()
      const e = signEnvelope({ namespace: NS.id, org: 'globex', peerId: 'peer-globex', epoch: 1, clientId: 9, seq: 1, deps: new Map(), atMs: 0, update: u }, fakeSigner('peer-globex'))
      const res = r.receive(e, 0)
      expect(['applied', 'duplicate', 'parked', 'refused']).toContain(res.status)
      const after = r.stateHash()
      if (res.status === 'refused') expect(after).toBe(before)
      expect(JSON.stringify(r.entries())).toBeTypeOf('string')
    }), { numRuns: decoderRuns })
  })
})

describe('memory values: what the API accepts, every member holds byte for byte', () => {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }),
    fc.anything({ maxDepth: 3, withBigInt: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
    fc.constantFrom(Infinity, -Infinity, NaN, Number('1e400'), '\ud800', { ['__proto__']: 1 })
  )
  it('put either refuses with ERR_INVALID_ARGUMENT or the member\'s stateHash equals the writer\'s', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), value, (key, v) => {
      const w = writerReplica('acme')
      try {
        w.put(key, v, 0)
      } catch (err) {
        expect(err).toBeInstanceOf(AtpError)
        expect((err as AtpError).code).toBe('ERR_INVALID_ARGUMENT')
        return
      }
      const r = readerReplica()
      for (const e of w.flush(0, true)) expect(r.receive(e, 0).status).toBe('applied')
      expect(r.stateHash()).toBe(w.stateHash())
      expect(r.entries()).toEqual(w.entries())
    }), { numRuns })
  })
})
