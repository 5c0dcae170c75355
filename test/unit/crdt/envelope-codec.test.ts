import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, envelopeId, envelopeLeafHash, signEnvelope, signedPartsOf, verifyEnvelope, envelopeSigningBytes } from '../../../crdt/codec/envelope-codec.ts'
import { decodeSyncMessage, encodeSyncMessage } from '../../../crdt/codec/sync-codec.ts'
import { MemoryDecodeError } from '../../../crdt/errors.ts'
import { DEFAULT_MEMORY_LIMITS } from '../../../crdt/limits.ts'
import type { UnsignedEnvelope } from '../../../crdt/envelope.ts'
import { createNodeHasher } from '../../../daemon/identity/keys.ts'
import { defaultHasher, leafHash } from '../../../kernel/index.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { peerId as peerIdRule } from '../../../kernel/index.ts'

const base: UnsignedEnvelope = {
  namespace: 'incident-42', org: 'acme', peerId: 'peer-acme', epoch: 3, clientId: 4_000_000_000, seq: 2,
  deps: new Map([['peer-globex/1', 7], ['peer-acme/3', 1]]), atMs: 1_700_000_000_000, update: new Uint8Array([1, 2, 3])
}

describe('envelope codec', () => {
  it('round-trips and keeps a stable id', () => {
    const e = signEnvelope(base, fakeSigner('peer-acme'))
    const bytes = encodeEnvelope(e)
    const d = decodeEnvelope(bytes)
    expect(d).toEqual({ ...e, deps: new Map([['peer-acme/3', 1], ['peer-globex/1', 7]]) })
    expect(encodeEnvelope(d)).toEqual(bytes)
    expect(envelopeId(d)).toBe(envelopeId(e))
    expect(verifyEnvelope(d, fakeVerifier)).toBe(true)
  })

  it('ids and leaf hashes are the same whichever hasher computes them, for small and large envelopes', () => {
    const node = createNodeHasher()
    for (const size of [3, 5_000, 100_000, 10]) {
      const e = signEnvelope({ ...base, update: new Uint8Array(size).fill(size % 251) }, fakeSigner('peer-acme'))
      // Fresh decoded copies: an id is kept once computed.
      const viaHex = envelopeId(decodeEnvelope(encodeEnvelope(e)), node)
      const viaBytes = envelopeId(decodeEnvelope(encodeEnvelope(e)), defaultHasher)
      expect(viaHex).toBe(viaBytes)
      expect(viaHex).toMatch(/^[0-9a-f]{64}$/)
      const reference = leafHash(defaultHasher, ...signedPartsOf(e))
      expect(envelopeLeafHash(node, e)).toEqual(reference)
      expect(envelopeLeafHash(defaultHasher, decodeEnvelope(encodeEnvelope(e)))).toEqual(reference)
    }
  })

  it('signature covers every field', () => {
    const e = signEnvelope(base, fakeSigner('peer-acme'))
    for (const changed of [{ seq: 3 }, { org: 'globex' }, { atMs: 1 }, { update: new Uint8Array([1, 2]) }, { deps: new Map() }, { clientId: 1 }, { epoch: 4 }]) {
      expect(verifyEnvelope({ ...e, ...changed }, fakeVerifier)).toBe(false)
    }
    expect(envelopeSigningBytes(base).length).toBeGreaterThan(20)
  })

  it('every truncation and junk gives MemoryDecodeError only', () => {
    const bytes = encodeEnvelope(signEnvelope(base, fakeSigner('peer-acme')))
    for (let n = 0; n < bytes.length; n++) expect(() => decodeEnvelope(bytes.slice(0, n))).toThrow(MemoryDecodeError)
    expect(() => decodeEnvelope(new Uint8Array([...bytes, 0]))).toThrow(/trailing/)
    expect(() => decodeEnvelope(new Uint8Array([3, ...bytes.slice(1)]))).toThrow(/version/)
    // version 2 is a batch member: without its proof it is truncated
    expect(() => decodeEnvelope(new Uint8Array([2, ...bytes.slice(1)]))).toThrow(/truncated before batch index/)
    expect(() => decodeEnvelope(new Uint8Array(300_000))).toThrow(/exceeds limit/)
    expect(() => decodeEnvelope('x' as unknown as Uint8Array)).toThrow(MemoryDecodeError)
  })

  it('refuses an update larger than the limit', () => {
    const big = signEnvelope({ ...base, update: new Uint8Array(1000) }, fakeSigner('peer-acme'))
    expect(() => decodeEnvelope(encodeEnvelope(big), { ...DEFAULT_MEMORY_LIMITS, maxUpdateBytes: 999 })).toThrow(/update length out of range/)
  })
})

describe('sync codec', () => {
  it('round-trips hello, want and envelopes', () => {
    const e = signEnvelope(base, fakeSigner('peer-acme'))
    const msgs = [
      { type: 'hello' as const, namespaces: [{ namespace: 'incident-42', vector: new Map([['peer-acme/3', 2]]) }] },
      { type: 'want' as const, namespace: 'incident-42', vector: new Map() },
      { type: 'envelopes' as const, envelopes: [e] }
    ]
    for (const m of msgs) {
      const back = decodeSyncMessage(encodeSyncMessage(m))
      expect(back.type).toBe(m.type)
      if (back.type === 'envelopes') expect(envelopeId(back.envelopes[0]!)).toBe(envelopeId(e))
      else expect(back).toEqual(m)
    }
  })

  it('bad bytes give MemoryDecodeError only', () => {
    const bytes = encodeSyncMessage({ type: 'envelopes', envelopes: [signEnvelope(base, fakeSigner('peer-acme'))] })
    for (let n = 0; n < bytes.length; n += 3) expect(() => decodeSyncMessage(bytes.slice(0, n))).toThrow(MemoryDecodeError)
    expect(() => decodeSyncMessage(new Uint8Array([1, 9]))).toThrow(/unknown sync message type/)
  })

  it('repeated identifiers decode from the memo with the same result and the same refusals', () => {
    const signer = fakeSigner('peer-acme')
    const a = encodeEnvelope(signEnvelope({ ...base, org: 'acme' }, signer))
    const b = encodeEnvelope(signEnvelope({ ...base, org: 'acmf' }, signer))
    const bad = encodeEnvelope(signEnvelope({ ...base, org: 'ACME' }, signer)) // same length, not an org id
    for (let i = 0; i < 20; i++) {
      expect(decodeEnvelope(a).org).toBe('acme')
      expect(decodeEnvelope(b).org).toBe('acmf')
      expect(() => decodeEnvelope(bad)).toThrow(/org "ACME" does not match/)
    }
    const m = decodeSyncMessage(encodeSyncMessage({ type: 'envelopes', envelopes: [decodeEnvelope(a), decodeEnvelope(b)] }))
    expect(m.type === 'envelopes' && m.envelopes.map((e) => [e.org, e.deps])).toEqual([['acme', decodeEnvelope(a).deps], ['acmf', decodeEnvelope(b).deps]])
  })
})

describe('memory wire identifiers', () => {
  // One rule per identifier (kernel/ids): a node whose peer id the config and the AGP wire
  // accept must not have every memory envelope it writes refused by its neighbors.
  it('takes a writer peer id exactly when the kernel\'s peer id rule does', () => {
    for (const peerId of ['peer.acme', '12D3KooW.x_y-z', 'a'.repeat(128)]) {
      expect(peerIdRule.is(peerId)).toBe(true)
      const e = signEnvelope({ ...base, peerId, deps: new Map([[`${peerId}/3`, 1]]) }, fakeSigner(peerId))
      const d = decodeEnvelope(encodeEnvelope(e))
      expect([d.peerId, [...d.deps.keys()]]).toEqual([peerId, [`${peerId}/3`]])
    }
    for (const peerId of ['peer acme', 'peer:acme', 'a'.repeat(129), '']) {
      expect(peerIdRule.is(peerId)).toBe(false)
      const e = signEnvelope({ ...base, peerId }, fakeSigner(peerId))
      expect(() => decodeEnvelope(encodeEnvelope(e))).toThrow(MemoryDecodeError)
    }
  })
})
