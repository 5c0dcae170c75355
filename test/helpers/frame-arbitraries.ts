/**
 * fast-check arbitraries of `/agp/1.0.0` frames and routes: every value is one the
 * codec accepts (the codec property tests round-trip them; the speaker fuzz feeds them
 * to a speaker as a hostile neighbor would).
 */
import fc from 'fast-check'
import { encodeRouteAttributes } from '../../agp/codec/frame-codec.ts'
import type { Frame, NotificationCode } from '../../agp/codec/frame.ts'
import type { BatchRefresh } from '../../agp/route/batch-refresh.ts'
import type { BatchProof, Route, RouteAttributes } from '../../agp/route/route.ts'
import { MAX_BATCH_SIZE } from '../../agp/route/batch-signature.ts'
import { auditPathLength, HASH_BYTES } from '../../kernel/merkle-tree.ts'

export const segment = fc.stringMatching(/^[a-z0-9-]{1,8}$/)
export const capability = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'))
export const org = fc.stringMatching(/^[a-z0-9-]{1,32}$/)
export const agentId = fc.stringMatching(/^[a-z0-9-]{1,64}$/)
export const peerId = fc.stringMatching(/^[A-Za-z0-9._-]{1,60}$/)
const tag = fc.stringMatching(/^[a-z0-9][a-z0-9._:-]{0,20}$/)
const nonNeg = fc.double({ min: 0, max: 1e9, noNaN: true }).map((x) => x + 0)
const safeNat = fc.maxSafeNat()

export const attrs: fc.Arbitrary<RouteAttributes> = fc.record({
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

/** A batch proof of a valid shape: size 2…MAX_BATCH_SIZE, index below it, the audit path length of that position. */
export const batchProof: fc.Arbitrary<BatchProof> = fc.integer({ min: 2, max: MAX_BATCH_SIZE })
  .chain((size) => fc.integer({ min: 0, max: size - 1 }).map((index) => ({ index, size })))
  .chain(({ index, size }) => {
    const length = auditPathLength(index, size) * HASH_BYTES
    return fc.uint8Array({ minLength: length, maxLength: length }).map((path) => ({ index, size, path }))
  })

export const route: fc.Arbitrary<Route> = fc.record({
  attrs,
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  orgPath: fc.array(org, { minLength: 1, maxLength: 4 }),
  sitePath: fc.array(org, { maxLength: 3 }),
  originatorId: fc.oneof(fc.constant(''), peerId),
  clusterList: fc.array(org, { maxLength: 3 }),
  pathTags: fc.array(tag, { maxLength: 3 }),
  batch: fc.option(batchProof, { nil: undefined })
}).map(({ batch, ...r }) => ({ ...r, attrsBytes: encodeRouteAttributes(r.attrs), ...(batch !== undefined ? { batch } : {}) }))

/** A batch refresh of a valid shape (its signature is random bytes: the shape is the codec's rule). */
export const batchRefresh: fc.Arbitrary<BatchRefresh> = fc.record({
  originPeerId: peerId,
  originOrg: org,
  batchSignature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  refreshedAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  agentIds: fc.array(agentId, { minLength: 1, maxLength: 4 })
})

export const frame: fc.Arbitrary<Frame> = fc.oneof(
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
    withdraws: fc.array(fc.record({ capability, originOrg: org, agentId }), { maxLength: 3 }),
    refreshes: fc.array(batchRefresh, { maxLength: 2 })
  }).map(({ refreshes, ...u }) => refreshes.length > 0 ? { ...u, refreshes } : u),
  fc.constant({ type: 'route-refresh' as const }),
  fc.record({ type: fc.constant('route-refresh' as const), interests: fc.array(capability, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('notification' as const),
    code: fc.constantFrom(...[1, 2, 3, 4, 5, 6] as NotificationCode[]),
    subcode: fc.integer({ min: 0, max: 255 }),
    text: fc.string({ maxLength: 50 })
  })
)
