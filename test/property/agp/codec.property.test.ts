import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, encodeRouteAttributes, FrameDecodeError } from '../../../agp/codec/frame-codec.ts'
import type { Frame, NotificationCode } from '../../../agp/codec/frame.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import type { Route, RouteAttributes } from '../../../agp/route/route.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

const segment = fc.stringMatching(/^[a-z0-9-]{1,8}$/)
const capability = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'))
const org = fc.stringMatching(/^[a-z0-9-]{1,32}$/)
const agentId = fc.stringMatching(/^[a-z0-9-]{1,64}$/)
const peerId = fc.stringMatching(/^[A-Za-z0-9._-]{1,60}$/)
const tag = fc.stringMatching(/^[a-z0-9][a-z0-9._:-]{0,20}$/)
const nonNeg = fc.double({ min: 0, max: 1e9, noNaN: true }).map((x) => x + 0)
const safeNat = fc.maxSafeNat()

const attrs: fc.Arbitrary<RouteAttributes> = fc.record({
  capability, originOrg: org, agentId, originPeerId: peerId,
  endpoint: fc.stringMatching(/^[\x21-\x7e]{0,40}$/),
  costUsd: nonNeg,
  latency: fc.tuple(nonNeg, nonNeg),
  win: fc.tuple(fc.nat(), fc.nat(), safeNat),
  region: fc.stringMatching(/^[a-z0-9-]{0,12}$/),
  tags: fc.array(tag, { maxLength: 4 }),
  originSeq: safeNat,
  originatedAtMs: safeNat,
  site: fc.option(org, { nil: undefined })
}).map(({ latency, win, site, ...a }) => ({
  ...a,
  // The codec's one form: the default site (the org id) is no site at all.
  ...(site === undefined || site === a.originOrg ? {} : { originSite: site }),
  latencyMs: { p50: Math.min(...latency), p95: Math.max(...latency) },
  winRate: { wins: Math.min(win[0], win[1]), trials: Math.max(win[0], win[1]), measuredAtMs: win[2] }
}))

const route: fc.Arbitrary<Route> = fc.record({
  attrs,
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  orgPath: fc.array(org, { minLength: 1, maxLength: 4 }),
  sitePath: fc.array(org, { maxLength: 3 }),
  originatorId: fc.oneof(fc.constant(''), peerId),
  clusterList: fc.array(org, { maxLength: 3 }),
  pathTags: fc.array(tag, { maxLength: 3 })
}).map((r) => ({ ...r, attrsBytes: encodeRouteAttributes(r.attrs) }))

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant('open' as const), org, site: org,
    role: fc.constantFrom('peer' as const, 'reflector' as const),
    cluster: org, holdTimeS: fc.integer({ min: 0, max: 65535 }),
    capabilities: fc.array(fc.stringMatching(/^[a-z0-9-]{1,16}$/), { maxLength: 3 }),
    interests: fc.array(capability, { maxLength: 3 })
  }),
  fc.constant({ type: 'keepalive' as const }),
  fc.constant({ type: 'end-of-rib' as const }),
  fc.record({
    type: fc.constant('update' as const),
    announces: fc.array(route, { maxLength: 3 }),
    withdraws: fc.array(fc.record({ capability, originOrg: org, agentId }), { maxLength: 3 })
  }),
  fc.constant({ type: 'route-refresh' as const }),
  fc.record({ type: fc.constant('route-refresh' as const), interests: fc.array(capability, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('notification' as const),
    code: fc.constantFrom(...[1, 2, 3, 4, 5, 6] as NotificationCode[]),
    subcode: fc.integer({ min: 0, max: 255 }),
    text: fc.string({ maxLength: 50 })
  })
)

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

  it('round-trips arbitrary valid routes (the Adj-RIB-In persistence form)', () => {
    fc.assert(fc.property(route, (r) => {
      expect(decodeRoute(encodeRoute(r))).toEqual({ ok: true, value: r })
    }), { numRuns })
  })

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), checkNeverThrows), { numRuns })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      const r = decodeRoute(b)
      if (!r.ok) expect(r.error).toBeInstanceOf(FrameDecodeError)
    }), { numRuns })
  })

  it('single-byte mutations and truncations of valid frames never throw', () => {
    fc.assert(fc.property(frame, fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, value) => {
      const bytes = encodeFrame(f)
      if (bytes.length === 0) return
      const mutated = new Uint8Array(bytes)
      mutated[at % bytes.length] = value
      checkNeverThrows(mutated)
      checkNeverThrows(bytes.subarray(0, at % bytes.length))
    }), { numRuns })
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
