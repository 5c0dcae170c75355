import { describe, expect, it } from 'vitest'
import { checkOriginSignature, defaultHasher, VerifiedNodeCache, VerifiedRootCache } from '../../../agp/route/batch-signature.ts'
import { prepareOrigination, signOriginationBatch } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import type { Hasher, Verifier } from '../../../kernel/ports.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { agent } from '../../helpers/speaker-harness.ts'

function batch (n: number, seq = 1, peerId = 'peer-acme'): Route[] {
  const prepared = Array.from({ length: n }, (_, i) =>
    prepareOrigination(agent(`a${i}`, `cap-${i % 7}`), { org: 'acme', originPeerId: peerId, originSeq: seq + i, nowMs: 1000 }))
  return signOriginationBatch('acme', prepared, fakeSigner(peerId), defaultHasher, n)
}

function counting (): { hasher: Hasher, verifier: Verifier, hashes: () => number, verifies: () => number } {
  let hashes = 0
  let verifies = 0
  return {
    hasher: { sha256: (d) => { hashes++; return defaultHasher.sha256(d) } },
    verifier: { verify: (p, d, s) => { verifies++; return fakeVerifier.verify(p, d, s) } },
    hashes: () => hashes,
    verifies: () => verifies
  }
}

interface Caches { roots: VerifiedRootCache, nodes: VerifiedNodeCache }
const caches = (maxBytes?: number): Caches => ({ roots: new VerifiedRootCache(), nodes: new VerifiedNodeCache(maxBytes) })
const check = (route: Route, c: Caches): string | undefined =>
  checkOriginSignature(route, { verifier: fakeVerifier, hasher: defaultHasher, ...c })?.reason

describe('verified Merkle node cache', () => {
  it('a batch of 64 costs one signature check and about two hashes per route (seven and a leaf without the cache)', () => {
    const routes = batch(64)
    const withNodes = counting()
    const c = caches()
    for (const r of routes) expect(checkOriginSignature(r, { verifier: withNodes.verifier, hasher: withNodes.hasher, ...c })).toBeUndefined()
    expect(withNodes.verifies()).toBe(1)
    expect(withNodes.hashes() / routes.length).toBeLessThan(2.2)
    expect(c.nodes.hits).toBe(63)

    const without = counting()
    const roots = new VerifiedRootCache()
    for (const r of routes) expect(checkOriginSignature(r, { verifier: without.verifier, hasher: without.hasher, roots })).toBeUndefined()
    expect(without.hashes()).toBe(64 * 7)
  })

  it('routes out of order and repeated still verify from the cache', () => {
    const routes = batch(37)
    const c = caches()
    const order = [17, 3, 36, 0, 17, 22, 5, 36, ...routes.keys()]
    for (const i of order) expect(check(routes[i]!, c)).toBeUndefined()
    expect(c.nodes.hits).toBe(order.length - 1)
  })

  it('a proof that reuses cached nodes under another batch, position or size is refused', () => {
    const a = batch(16, 1)
    const b = batch(16, 100)
    const c = caches()
    for (const r of [...a, ...b]) expect(check(r, c)).toBeUndefined()
    const pathA = a[5]!.batch!.path
    const pathB = b[5]!.batch!.path
    // The lower half of a's path, the upper half of b's: every sibling is a cached node of some verified tree.
    const spliced = Uint8Array.from([...pathA.subarray(0, 64), ...pathB.subarray(64)])
    const mixes: Route[] = [
      { ...a[5]!, signature: b[5]!.signature },
      { ...a[5]!, batch: b[5]!.batch! },
      { ...a[5]!, batch: b[5]!.batch!, signature: b[5]!.signature },
      { ...a[5]!, batch: { ...a[5]!.batch!, path: spliced } },
      { ...a[5]!, batch: { ...a[5]!.batch!, path: spliced }, signature: b[5]!.signature },
      { ...a[5]!, batch: { ...b[5]!.batch!, path: spliced }, signature: b[5]!.signature },
      { ...a[5]!, batch: { ...a[5]!.batch!, index: 4 } },
      { ...a[5]!, batch: a[4]!.batch! },
      { ...a[5]!, batch: { ...a[5]!.batch!, size: 17 } }
    ]
    const hitsBefore = c.nodes.hits
    for (const m of mixes) expect(check(m, c)).toBe('bad-batch-root')
    expect(c.nodes.hits).toBe(hitsBefore)
    // Refusals taught the cache nothing: the genuine routes still pass, the mixes still fail.
    for (const r of [...a, ...b]) expect(check(r, c)).toBeUndefined()
    for (const m of mixes) expect(check(m, c)).toBe('bad-batch-root')
  })

  it('a changed attrs byte of a cached batch is refused', () => {
    const routes = batch(8)
    const c = caches()
    for (const r of routes) expect(check(r, c)).toBeUndefined()
    const bytes = Uint8Array.from(routes[3]!.attrsBytes)
    bytes[bytes.length - 1]! ^= 1
    expect(check({ ...routes[3]!, attrsBytes: bytes }, c)).toBe('bad-batch-root')
  })

  it('is bounded by bytes (oldest tree out), and a forgotten tree only costs the full check', () => {
    // A tree of 8 leaves holds 15 nodes of 32 bytes: room for two.
    const nodes = new VerifiedNodeCache(2 * 15 * 32)
    const batches = [batch(8, 1), batch(8, 10), batch(8, 20)]
    for (const b of batches) expect(check(b[0]!, { roots: new VerifiedRootCache(), nodes })).toBeUndefined()
    expect(nodes.size).toBe(2)
    const hits = nodes.hits
    const roots = new VerifiedRootCache()
    expect(check(batches[0]![1]!, { roots, nodes })).toBeUndefined()
    expect(nodes.hits).toBe(hits)
    expect(check(batches[2]![1]!, { roots, nodes })).toBeUndefined()
    expect(nodes.hits).toBe(hits + 1)
    // The tree a lookup used last goes like any other: its members then miss, and still pass.
    expect(check(batches[2]![2]!, { roots, nodes })).toBeUndefined()
    expect(nodes.hits).toBe(hits + 2)
    expect(check(batch(8, 30)[0]!, { roots, nodes })).toBeUndefined()
    expect(check(batches[2]![3]!, { roots, nodes })).toBeUndefined()
    expect(nodes.hits).toBe(hits + 2)
    // A tree larger than the whole budget is never cached.
    const tiny = new VerifiedNodeCache(64)
    for (const r of batches[0]!) expect(check(r, { roots, nodes: tiny })).toBeUndefined()
    expect(tiny.size).toBe(0)
  })
})
