import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decodeRouteAttributes } from '../../../agp/codec/attrs-codec.ts'
import {
  batchSignedBytes, checkOriginSignature, defaultHasher, RouteSignatureError, VerifiedRootCache
} from '../../../agp/route/batch-signature.ts'
import { auditPathLength, leafHash, merkleRootIfPaths, merkleTree, rootFromPath } from '../../../kernel/merkle-tree.ts'
import {
  ORIGIN_BATCH_ROUTES, originateRoute, prepareOrigination, signOriginationBatch, verifyRoute, type PreparedOrigination
} from '../../../agp/route/originate.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import type { Route } from '../../../agp/route/route.ts'
import type { Hasher, Verifier } from '../../../kernel/ports.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { agent } from '../../helpers/speaker-harness.ts'

const nodeHasher: Hasher = { sha256: (d) => new Uint8Array(createHash('sha256').update(d).digest()) }

/** RFC 6962 §2.1's MTH, written as the RFC states it, as the reference. */
function referenceRoot (leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return nodeHasher.sha256(Uint8Array.from([0x01, ...referenceRoot(leaves.slice(0, k)), ...referenceRoot(leaves.slice(k))]))
}

function prepared (n: number, seq = 1, peerId = 'peer-acme'): PreparedOrigination[] {
  return Array.from({ length: n }, (_, i) => prepareOrigination(agent(`a${i}`, `cap-${i % 7}`), { org: 'acme', originPeerId: peerId, originSeq: seq + i, nowMs: 1000 }))
}

function batch (n: number, seq = 1, peerId = 'peer-acme'): Route[] {
  return signOriginationBatch('acme', prepared(n, seq, peerId), fakeSigner(peerId), defaultHasher)
}

function countingVerifier (): Verifier & { calls: number } {
  const v = { calls: 0, verify: (p: string, d: Uint8Array, s: Uint8Array) => { v.calls++; return fakeVerifier.verify(p, d, s) } }
  return v
}

const check = (route: Route, roots = new VerifiedRootCache()): RouteSignatureError | undefined =>
  checkOriginSignature(route, { verifier: fakeVerifier, hasher: defaultHasher, roots })

describe('batch Merkle tree (RFC 6962)', () => {
  it('the root matches RFC 6962 MTH, and every leaf\'s audit path leads to it, for 1…17, 63…65 leaves', () => {
    for (const n of [...Array.from({ length: 17 }, (_, i) => i + 1), 63, 64, 65]) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(nodeHasher, Uint8Array.of(i, n)))
      const tree = merkleTree(nodeHasher, leaves)
      expect(tree.root).toEqual(referenceRoot(leaves))
      leaves.forEach((leaf, i) => {
        expect(tree.paths[i]!.length).toBe(auditPathLength(i, n) * 32)
        expect(rootFromPath(nodeHasher, leaf, i, n, tree.paths[i]!)).toEqual(tree.root)
      })
    }
  })

  it('a whole tree checked in place: its root when every path is the tree\'s, undefined when any byte, length or position differs', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 65]) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(nodeHasher, Uint8Array.of(i, n)))
      const tree = merkleTree(nodeHasher, leaves)
      expect(merkleRootIfPaths(nodeHasher, leaves, tree.paths)).toEqual(tree.root)
      const paths = (): Uint8Array[] => tree.paths.map((p) => p.slice())
      for (let i = 0; i < n; i++) {
        for (let at = 0; at < tree.paths[i]!.length; at += 7) {
          const flipped = paths()
          flipped[i]![at]! ^= 1
          expect(merkleRootIfPaths(nodeHasher, leaves, flipped)).toBeUndefined()
        }
        const longer = paths()
        longer[i] = Uint8Array.from([...tree.paths[i]!, ...new Uint8Array(32)])
        expect(merkleRootIfPaths(nodeHasher, leaves, longer)).toBeUndefined()
        const oddLength = paths()
        oddLength[i] = Uint8Array.from([...tree.paths[i]!, 0])
        expect(merkleRootIfPaths(nodeHasher, leaves, oddLength)).toBeUndefined()
        if (tree.paths[i]!.length > 0) {
          const shorter = paths()
          shorter[i] = tree.paths[i]!.slice(0, -32)
          expect(merkleRootIfPaths(nodeHasher, leaves, shorter)).toBeUndefined()
        }
      }
      if (n > 1) expect(merkleRootIfPaths(nodeHasher, leaves, [tree.paths[1]!, tree.paths[0]!, ...tree.paths.slice(2)])).toBeUndefined()
      expect(merkleRootIfPaths(nodeHasher, leaves, tree.paths.slice(1))).toBeUndefined()
    }
    expect(merkleRootIfPaths(nodeHasher, [], [])).toBeUndefined()
  })

  it('the pure-JS default hasher and node:crypto give the same digests', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i * 7)
    expect(defaultHasher.sha256(data)).toEqual(nodeHasher.sha256(data))
  })

  it('within one size, a path fits only its own index', () => {
    const leaves = Array.from({ length: 13 }, (_, i) => leafHash(nodeHasher, Uint8Array.of(i)))
    const tree = merkleTree(nodeHasher, leaves)
    for (let i = 0; i < 13; i++) {
      for (let j = 0; j < 13; j++) {
        if (j === i) continue
        const root = rootFromPath(nodeHasher, leaves[i]!, j, 13, tree.paths[i]!)
        expect(root === undefined || !root.every((b, k) => b === tree.root[k])).toBe(true)
      }
    }
  })

  it('a path alone does not fix the size: leaf 0 of 13 and of 14 rebuild the same root (so the signature covers the size)', () => {
    const leaves = Array.from({ length: 13 }, (_, i) => leafHash(nodeHasher, Uint8Array.of(i)))
    const tree = merkleTree(nodeHasher, leaves)
    expect(rootFromPath(nodeHasher, leaves[0]!, 0, 14, tree.paths[0]!)).toEqual(tree.root)
  })
})

describe('batch origin signatures', () => {
  it('a batch of one is signed over its attrs, exactly as a single origination', () => {
    const [only] = batch(1)
    expect(only!.batch).toBeUndefined()
    const single = originateRoute(agent('a0', 'cap-0'), { org: 'acme', signer: fakeSigner('peer-acme'), originSeq: 1, nowMs: 1000 })
    expect(only!.signature).toEqual(single.signature)
    expect(only!.attrsBytes).toEqual(single.attrsBytes)
    expect(verifyRoute(only!, fakeVerifier)).toBe(true)
  })

  it('splits into batches of ORIGIN_BATCH_ROUTES, each route with its proof; one signature check per batch', () => {
    const routes = batch(ORIGIN_BATCH_ROUTES * 2 + 1)
    expect(routes.map((r) => r.batch?.size)).toEqual([
      ...Array(ORIGIN_BATCH_ROUTES * 2).fill(ORIGIN_BATCH_ROUTES), undefined
    ])
    const verifier = countingVerifier()
    const roots = new VerifiedRootCache()
    for (const r of routes) expect(checkOriginSignature(r, { verifier, hasher: nodeHasher, roots })).toBeUndefined()
    expect(verifier.calls).toBe(3)
    expect(roots.added).toBe(2)
  })

  it('forgery: any changed attrs byte is refused, even with the root cached', () => {
    const routes = batch(5)
    const roots = new VerifiedRootCache()
    expect(check(routes[2]!, roots)).toBeUndefined()
    const bytes = Uint8Array.from(routes[2]!.attrsBytes)
    bytes[bytes.length - 1]! ^= 1
    const err = check({ ...routes[2]!, attrsBytes: bytes }, roots)
    expect(err).toBeInstanceOf(RouteSignatureError)
    expect(err?.code).toBe('ERR_ROUTE_SIGNATURE')
    expect(err?.reason).toBe('bad-batch-root')
  })

  it('mix-and-match: a leaf with another batch\'s signature, proof or position is refused', () => {
    const a = batch(6, 1)
    const b = batch(6, 100)
    const roots = new VerifiedRootCache()
    for (const r of [...a, ...b]) expect(check(r, roots)).toBeUndefined()
    const mixes: Route[] = [
      { ...a[1]!, signature: b[1]!.signature },
      { ...a[1]!, batch: b[1]!.batch! },
      { ...a[1]!, batch: b[1]!.batch!, signature: b[1]!.signature },
      { ...a[1]!, batch: { ...a[1]!.batch!, index: 2 } },
      { ...a[1]!, batch: a[2]!.batch! },
      { ...a[1]!, batch: { ...a[1]!.batch!, size: 7 } }
    ]
    for (const m of mixes) {
      expect(check(m, roots)?.reason).toBe('bad-batch-root')
      expect(check(m)?.reason).toBe('bad-batch-root')
    }
  })

  it('a root signed by another origin is refused', () => {
    const mine = batch(4, 1, 'peer-acme')
    const theirs = batch(4, 1, 'peer-evil')
    // Same agents, so the same leaves but for the peer id inside attrs: take the other
    // origin's signature over a tree it built itself.
    expect(check({ ...mine[0]!, signature: theirs[0]!.signature })?.reason).toBe('bad-batch-root')
    const evilRoot = merkleTree(defaultHasher, prepared(4).map((p) => leafHash(defaultHasher, p.attrsBytes))).root
    const evilSig = fakeSigner('peer-evil').sign(batchSignedBytes('peer-evil', 4, evilRoot))
    expect(check({ ...mine[0]!, signature: evilSig })?.reason).toBe('bad-batch-root')
  })

  it('a batch signature never passes as a single route\'s signature, nor its signed bytes as attrs', () => {
    const [r] = batch(2)
    const { batch: _proof, ...single } = r!
    expect(check(single)?.reason).toBe('bad-signature')
    expect(decodeRouteAttributes(batchSignedBytes('peer-acme', 2, new Uint8Array(32))).ok).toBe(false)
  })

  it('a verifier that throws is a failed check, not a crash', () => {
    const [r] = batch(3)
    const throwing: Verifier = { verify: () => { throw new Error('boom') } }
    expect(checkOriginSignature(r!, { verifier: throwing, hasher: defaultHasher, roots: new VerifiedRootCache() })?.reason).toBe('bad-batch-root')
  })

  it('the verified-root cache is bounded (oldest out) and forgetting only costs a re-check', () => {
    const roots = new VerifiedRootCache(2)
    const batches = [batch(2, 1), batch(2, 10), batch(2, 20)]
    for (const b of batches) expect(check(b[0]!, roots)).toBeUndefined()
    expect(roots.size).toBe(2)
    const verifier = countingVerifier()
    expect(checkOriginSignature(batches[0]![1]!, { verifier, hasher: defaultHasher, roots })).toBeUndefined()
    expect(verifier.calls).toBe(1)
    expect(checkOriginSignature(batches[2]![1]!, { verifier, hasher: defaultHasher, roots })).toBeUndefined()
    expect(verifier.calls).toBe(1)
  })
})

describe('batch proof on the wire', () => {
  it('round-trips through the route codec, proof unchanged', () => {
    for (const r of batch(11)) {
      const back = decodeRoute(encodeRoute(r))
      expect(back.ok).toBe(true)
      if (back.ok) {
        expect(back.value.batch).toEqual(r.batch)
        expect(check(back.value)).toBeUndefined()
      }
    }
  })

  it('refuses a proof whose shape cannot be right (decode error 3/11)', () => {
    const [r] = batch(5)
    const p = r!.batch!
    for (const bad of [{ ...p, size: 1, index: 0 }, { ...p, size: 4097 }, { ...p, index: 5 }, { ...p, path: p.path.subarray(32) }, { ...p, path: new Uint8Array(p.path.length + 32) }]) {
      const back = decodeRoute(encodeRoute({ ...r!, batch: bad }))
      expect(back.ok).toBe(false)
      if (!back.ok) expect([back.error.notificationCode, back.error.subcode]).toEqual([3, 11])
    }
  })
})
