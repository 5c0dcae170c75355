import { describe, expect, it } from 'vitest'
import { ByteSlab, SLAB_BYTES } from '../../../agp/codec/byte-slab.ts'
import { decodeFrame, encodeFrame } from '../../../agp/codec/frame-codec.ts'
import { defaultHasher } from '../../../agp/route/batch-signature.ts'
import { prepareOrigination, signOriginationBatch, verifyRoutes } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'
import { agent } from '../../helpers/speaker-harness.ts'

function batchRoutes (n: number, batchRoutes: number): Route[] {
  const prepared = Array.from({ length: n }, (_, i) =>
    prepareOrigination(agent(`a${i}`, `cap-${i % 7}`), { org: 'acme', originPeerId: 'peer-acme', originSeq: 1 + i, nowMs: 1000 }))
  return signOriginationBatch('acme', prepared, fakeSigner('peer-acme'), defaultHasher, batchRoutes)
}

function decodedAnnounces (routes: Route[]): { frame: Uint8Array, announces: readonly Route[] } {
  const frame = encodeFrame({ type: 'update', announces: routes, withdraws: [] })
  const d = decodeFrame(frame)
  if (!d.ok || d.value.type !== 'update') throw new Error('does not decode')
  return { frame, announces: d.value.announces }
}

describe('ByteSlab', () => {
  it('copies share slabs of at most SLAB_BYTES, sized to what was announced', () => {
    const slab = new ByteSlab(300)
    const a = slab.copy(new Uint8Array(100).fill(1))
    const b = slab.copy(new Uint8Array(200).fill(2))
    expect(a.buffer).toBe(b.buffer)
    expect(a.buffer.byteLength).toBe(300)
    expect([...a].every((x) => x === 1) && [...b].every((x) => x === 2)).toBe(true)
    const big = new ByteSlab(1_000_000)
    const copies = Array.from({ length: 100 }, () => big.copy(new Uint8Array(150)))
    for (const c of copies) expect(c.buffer.byteLength).toBeLessThanOrEqual(SLAB_BYTES)
    expect(new Set(copies.map((c) => c.buffer)).size).toBe(Math.ceil(100 / Math.floor(SLAB_BYTES / 150)))
  })

  it('a copy is not the source: changing the source afterwards changes nothing', () => {
    const src = new Uint8Array([1, 2, 3])
    const copy = new ByteSlab(3).copy(src)
    src[0] = 9
    expect([...copy]).toEqual([1, 2, 3])
  })

  it('more than announced still copies (a new slab); bytes as large as half a slab get their own buffer', () => {
    const slab = new ByteSlab(10)
    const a = slab.copy(new Uint8Array(10))
    const b = slab.copy(new Uint8Array(20).fill(7))
    expect(b.buffer).not.toBe(a.buffer)
    expect([...b].every((x) => x === 7)).toBe(true)
    const own = slab.copy(new Uint8Array(SLAB_BYTES))
    expect(own.byteOffset).toBe(0)
    expect(own.buffer.byteLength).toBe(SLAB_BYTES)
  })
})

describe('decoded UPDATE bytes', () => {
  it('routes of one origin batch share one signature object, and their bytes share slabs, none the frame\'s', () => {
    const { frame, announces } = decodedAnnounces(batchRoutes(40, 16))
    expect(verifyRoutes(announces, fakeVerifier).every(Boolean)).toBe(true)
    expect(new Set(announces.map((r) => r.signature)).size).toBe(3)
    const buffers = new Set<ArrayBufferLike>()
    for (const r of announces) {
      for (const bytes of [r.attrsBytes, r.signature, r.batch?.path ?? r.signature]) {
        expect(bytes.buffer).not.toBe(frame.buffer)
        expect(bytes.buffer.byteLength).toBeLessThanOrEqual(SLAB_BYTES)
        buffers.add(bytes.buffer)
      }
    }
    expect(buffers.size).toBeLessThan(announces.length / 4)
  })

  it('equal signatures that are not neighbours in the UPDATE are still decoded right', () => {
    const routes = batchRoutes(6, 3)
    const { announces } = decodedAnnounces([routes[0]!, routes[3]!, routes[1]!, routes[4]!, routes[2]!, routes[5]!])
    expect(verifyRoutes(announces, fakeVerifier).every(Boolean)).toBe(true)
    expect(announces.map((r) => r.attrs.agentId)).toEqual(['a0', 'a3', 'a1', 'a4', 'a2', 'a5'])
  })
})
