import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkOriginSignature, defaultHasher, VerifiedNodeCache, VerifiedRootCache } from '../../../agp/route/batch-signature.ts'
import { prepareOrigination, signOriginationBatch } from '../../../agp/route/originate.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import type { Route } from '../../../agp/route/route.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { agent } from '../../helpers/speaker-harness.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

/** A signed batch of `size` routes and one of them. */
const batchRoute = fc.integer({ min: 1, max: 40 }).chain((size) => fc.record({
  routes: fc.constant(size).map((n) => signOriginationBatch('acme', Array.from({ length: n }, (_, i) =>
    prepareOrigination(agent(`a${i}`, `cap-${i % 3}`), { org: 'acme', originPeerId: 'peer-acme', originSeq: 1 + i, nowMs: 5 })), fakeSigner('peer-acme'), defaultHasher, n)),
  pick: fc.nat({ max: size - 1 })
}))

const check = (r: Route, roots = new VerifiedRootCache(), nodes?: VerifiedNodeCache): boolean =>
  checkOriginSignature(r, { verifier: fakeVerifier, hasher: defaultHasher, roots, ...(nodes === undefined ? {} : { nodes }) }) === undefined

function flipBit (bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  out[Math.floor(bit / 8) % out.length]! ^= 1 << (bit % 8)
  return out
}

type SignedPart = 'attrs' | 'signature' | 'index' | 'size' | 'path'

/** `r` with one bit of a signed part flipped; undefined when the route has no such part. */
function flipSignedPart (r: Route, which: SignedPart, bit: number): Route | undefined {
  const b = r.batch
  switch (which) {
    case 'attrs': return { ...r, attrsBytes: flipBit(r.attrsBytes, bit) }
    case 'signature': return { ...r, signature: flipBit(r.signature, bit) }
    case 'index': return b === undefined ? undefined : { ...r, batch: { ...b, index: b.index ^ (1 << (bit % 13)) } }
    case 'size': return b === undefined ? undefined : { ...r, batch: { ...b, size: b.size ^ (1 << (bit % 13)) } }
    case 'path': return b === undefined || b.path.length === 0 ? undefined : { ...r, batch: { ...b, path: flipBit(b.path, bit) } }
  }
}

describe('batch signature properties', () => {
  it('every route of any batch verifies, and survives the route codec with its proof', () => {
    fc.assert(fc.property(batchRoute, ({ routes, pick }) => {
      const r = routes[pick]!
      expect(check(r)).toBe(true)
      const back = decodeRoute(encodeRoute(r))
      expect(back.ok ? back.value.batch : 'refused').toEqual(r.batch)
      expect(back.ok && check(back.value)).toBe(true)
    }), { numRuns })
  })

  it('any single-bit change of the signed part (attrs, signature, index, size, path) is refused, cached root or not', () => {
    const part = fc.constantFrom('attrs', 'signature', 'index', 'size', 'path')
    fc.assert(fc.property(batchRoute, part, fc.nat({ max: 1 << 16 }), ({ routes, pick }, which, bit) => {
      const r = routes[pick]!
      const roots = new VerifiedRootCache()
      expect(check(r, roots)).toBe(true)
      const changed = flipSignedPart(r, which, bit)
      if (changed === undefined) return
      expect(check(changed, roots)).toBe(false)
      expect(check(changed)).toBe(false)
    }), { numRuns })
  })

  it('any single-bit change of an encoded route never yields other signed bytes that verify', () => {
    fc.assert(fc.property(batchRoute, fc.nat(), ({ routes, pick }, bit) => {
      const r = routes[pick]!
      const wire = encodeRoute(r)
      const back = decodeRoute(flipBit(wire, bit % (wire.length * 8)))
      if (!back.ok || !check(back.value)) return
      // Accepted: then the bit was in an unsigned path attribute.
      expect(back.value.attrsBytes).toEqual(r.attrsBytes)
      expect(back.value.signature).toEqual(r.signature)
      expect(back.value.batch).toEqual(r.batch)
    }), { numRuns: numRuns * 2 })
  })

  it('with every node of two batches cached, any mix of their parts or a flipped bit gets the answer the full check gives', () => {
    const part = fc.constantFrom('attrs', 'signature', 'index', 'size', 'path', 'other-attrs', 'other-signature', 'other-path')
    fc.assert(fc.property(batchRoute, batchRoute, part, fc.nat({ max: 1 << 16 }), ({ routes, pick }, other, which, bit) => {
      const cached = { roots: new VerifiedRootCache(), nodes: new VerifiedNodeCache() }
      for (const r of [...routes, ...other.routes]) expect(check(r, cached.roots, cached.nodes)).toBe(true)
      const r = routes[pick]!
      const o = other.routes[other.pick]!
      let changed: Route | undefined
      switch (which) {
        case 'other-attrs': changed = { ...r, attrsBytes: o.attrsBytes }; break
        case 'other-signature': changed = { ...r, signature: o.signature }; break
        case 'other-path': changed = o.batch === undefined ? undefined : { ...r, batch: o.batch }; break
        default: changed = flipSignedPart(r, which, bit)
      }
      if (changed === undefined) return
      expect(check(changed, cached.roots, cached.nodes)).toBe(check(changed))
    }), { numRuns })
  })
})
