import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameDecodeError } from '../../../agp/codec/frame-codec.ts'
import { WireRouteCache } from '../../../agp/codec/wire-route-cache.ts'
import { toWireRoute } from '../../../agp/codec/route-wire.ts'
import { encodeWireRouteWith } from '../../../agp/codec/wire-route-encoder.ts'
import { agp } from '../../../agp/proto/gen/agp.js'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import type { Frame } from '../../../agp/codec/frame.ts'
import type { Route } from '../../../agp/route/route.ts'
import { agentId, batchRefresh, capability, frame, org, route } from '../../helpers/frame-arbitraries.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
/** The decoders of a peer's bytes: `npm run fuzz` gives them a million inputs each. */
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

/** Whatever the bytes: no throw, and either a valid frame (that round-trips) or a FrameDecodeError. */
function checkNeverThrows (bytes: Uint8Array): void {
  const r = decodeFrame(bytes)
  if (r.ok) {
    expect(decodeFrame(encodeFrame(r.value))).toEqual(r)
  } else {
    expect(r.error).toBeInstanceOf(FrameDecodeError)
    expect(r.error.notificationCode).toBeGreaterThanOrEqual(1)
  }
}

describe('frame codec properties', () => {
  it('round-trips arbitrary valid frames', () => {
    fc.assert(fc.property(frame, (f) => {
      expect(decodeFrame(encodeFrame(f))).toEqual({ ok: true, value: f })
    }), { numRuns })
  })

  it('with a WireRouteCache, any frame sequence encodes to the same bytes, routes shared between UPDATEs included', () => {
    // Each UPDATE takes some of its announces from a pool, as a reflector's flushes to several clients do.
    const update = fc.record({
      announces: fc.array(fc.oneof(route, fc.nat({ max: 5 })), { maxLength: 5 }),
      withdraws: fc.array(fc.record({ capability, originOrg: org, agentId }), { maxLength: 3 }),
      refreshes: fc.array(batchRefresh, { maxLength: 2 })
    })
    const input = fc.record({ pool: fc.array(route, { minLength: 1, maxLength: 6 }), updates: fc.array(update, { maxLength: 6 }), frames: fc.array(frame, { maxLength: 3 }) })
    fc.assert(fc.property(input, fc.integer({ min: 0, max: 3 }), ({ pool, updates, frames }, maxEntries) => {
      const cache = new WireRouteCache(maxEntries)
      const all: Frame[] = [...frames, ...updates.map((u): Frame => ({
        type: 'update',
        withdraws: u.withdraws,
        announces: u.announces.map((a) => typeof a === 'number' ? pool[a % pool.length]! : a),
        ...(u.refreshes.length > 0 ? { refreshes: u.refreshes } : {})
      }))]
      for (const f of all) expect(encodeFrame(f, cache)).toEqual(encodeFrame(f))
      expect(cache.size).toBeLessThanOrEqual(maxEntries)
    }), { numRuns })
  })

  it('a route\'s WireRoute written straight from it is the bytes protobufjs writes for it', () => {
    fc.assert(fc.property(route, fc.boolean(), (r, keepAttrsBytes) => {
      const input = keepAttrsBytes ? r : { ...r, attrsBytes: new Uint8Array(0) }
      const expected = new Uint8Array(agp.WireRoute.encode(toWireRoute(input)).finish())
      expect(encodeWireRouteWith(input, (n) => new Uint8Array(n))).toEqual(expected)
      // Into a larger scratch array that held other bytes: the first `length` bytes are the encoding.
      expect(new Uint8Array(encodeWireRouteWith(input, (n) => new Uint8Array(n + 7).fill(0xff)))).toEqual(expected)
    }), { numRuns: numRuns * 5 })
  })

  it('round-trips arbitrary valid routes (the Adj-RIB-In persistence form)', () => {
    fc.assert(fc.property(route, (r) => {
      expect(decodeRoute(encodeRoute(r))).toEqual({ ok: true, value: r })
    }), { numRuns })
  })

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), checkNeverThrows), { numRuns: decoderRuns })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      const r = decodeRoute(b)
      if (!r.ok) expect(r.error).toBeInstanceOf(FrameDecodeError)
    }), { numRuns: decoderRuns })
  })

  it('single-byte mutations and truncations of valid frames never throw', () => {
    fc.assert(fc.property(frame, fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, value) => {
      const bytes = encodeFrame(f)
      if (bytes.length === 0) return
      const mutated = new Uint8Array(bytes)
      mutated[at % bytes.length] = value
      checkNeverThrows(mutated)
      checkNeverThrows(bytes.subarray(0, at % bytes.length))
    }), { numRuns: decoderRuns })
  })

  it('an UPDATE decoded through its scanned envelope gives what the generic decoder gives, valid or not', () => {
    // In front, a field this version does not know (15, varint 0): the generic decoder
    // skips it, the envelope scan declines the frame and leaves it to the generic decoder.
    const generic = (b: Uint8Array): ReturnType<typeof decodeFrame> => decodeFrame(new Uint8Array([0x78, 0x00, ...b]))
    const same = (b: Uint8Array): void => {
      const a = decodeFrame(b)
      const g = generic(b)
      if (a.ok || g.ok) expect(a).toEqual(g)
      else expect([a.error.notificationCode, a.error.subcode]).toEqual([g.error.notificationCode, g.error.subcode])
    }
    const update = fc.record({
      announces: fc.array(route, { maxLength: 4 }),
      withdraws: fc.array(fc.record({ capability, originOrg: org, agentId }), { maxLength: 3 }),
      refreshes: fc.array(batchRefresh, { maxLength: 2 })
    }).map(({ refreshes, ...u }) => refreshes.length > 0 ? { ...u, refreshes } : u)
    fc.assert(fc.property(update, fc.nat(), fc.integer({ min: 0, max: 255 }), (u, at, value) => {
      const bytes = encodeFrame({ type: 'update', ...u })
      const mutated = new Uint8Array(bytes)
      mutated[at % bytes.length] = value
      same(bytes)
      same(mutated)
      same(bytes.subarray(0, at % bytes.length))
    }), { numRuns: decoderRuns })
  })

  it('hands each announce of an UPDATE its own bytes: they decode to that route', () => {
    fc.assert(fc.property(fc.array(route, { minLength: 1, maxLength: 4 }), (announces) => {
      const seen: [Route, Uint8Array][] = []
      const d = decodeFrame(encodeFrame({ type: 'update', announces, withdraws: [] }), (r, wire) => { seen.push([r, wire]) })
      if (!d.ok || d.value.type !== 'update') throw new Error('a valid UPDATE must decode')
      expect(seen.map(([r]) => r)).toEqual(d.value.announces)
      for (const [r, wire] of seen) expect(decodeRoute(wire)).toEqual({ ok: true, value: r })
    }), { numRuns })
  })

  it('a route decoded after another gets what it gets decoded alone, when it repeats the other\'s values or not', () => {
    // b is a copy of a with one value replaced by anything (valid or not); decoded after
    // a, it meets a's checked copies of every other value.
    const stringFields = ['capability', 'originOrg', 'originSite', 'originPeerId', 'region', 'agentId', 'endpoint'] as const
    const listFields = ['orgPath', 'sitePath', 'clusterList', 'pathTags'] as const
    const change = fc.oneof(
      fc.record({ attr: fc.constantFrom(...stringFields), value: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('a', 'eu', 'code/x', '')) }),
      fc.record({ attr: fc.constant('tags' as const), value: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constant('gpu')), { maxLength: 3 }) }),
      fc.record({ path: fc.constantFrom(...listFields), value: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constant('acme')), { maxLength: 3 }) }),
      fc.record({ path: fc.constant('originatorId' as const), value: fc.oneof(fc.string({ maxLength: 8 }), fc.constant('')) }),
      fc.record({ attr: fc.constantFrom('latencyMs' as const), value: fc.record({ p50: fc.double({ noNaN: true }), p95: fc.double({ noNaN: true }) }) }),
      fc.record({ attr: fc.constantFrom('winRate' as const), value: fc.record({ wins: fc.nat(5), trials: fc.nat(5), measuredAtMs: fc.nat() }) })
    )
    fc.assert(fc.property(route, change, (a, c) => {
      const attrs: Record<string, unknown> = { ...a.attrs, originSite: a.attrs.originSite ?? '' }
      if ('attr' in c) attrs[c.attr] = c.value
      const wire = { ...toWireRoute(a), attrs: agp.RouteAttributes.encode(attrs).finish(), ...('path' in c ? { [c.path]: c.value } : {}) }
      const bBytes = agp.WireRoute.encode(wire).finish()
      const alone = decodeRoute(bBytes)
      const frameBytes = new Uint8Array([0x08, 0x01, ...lengthDelimited(0x22, [...lengthDelimited(0x0a, [...encodeRoute(a)]), ...lengthDelimited(0x0a, [...bBytes])])])
      const both = decodeFrame(frameBytes)
      if (alone.ok) {
        expect(both.ok && both.value.type === 'update' ? both.value.announces[1] : both).toEqual(alone.value)
      } else {
        expect(both.ok ? both.value : both.error.message).toBe(alone.error.message)
      }
    }), { numRuns: numRuns * 5 })
  })

  it('mutations inside signed attributes are caught by validation or change the decoded attrs', () => {
    fc.assert(fc.property(route, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, flip) => {
      const attrsBytes = new Uint8Array(r.attrsBytes)
      const i = at % attrsBytes.length
      attrsBytes[i] = (attrsBytes[i] ?? 0) ^ flip
      const d = decodeFrame(encodeFrame({ type: 'update', announces: [{ ...r, attrsBytes }], withdraws: [] }))
      if (d.ok && d.value.type === 'update') expect(d.value.announces[0]?.attrsBytes).toEqual(attrsBytes)
      else expect(d.ok ? undefined : d.error).toBeInstanceOf(FrameDecodeError)
    }), { numRuns })
  })
})

function lengthDelimited (tag: number, content: number[]): number[] {
  const len: number[] = []
  for (let n = content.length; ; n >>>= 7) {
    if (n < 0x80) { len.push(n); break }
    len.push((n & 0x7f) | 0x80)
  }
  return [tag, ...len, ...content]
}
