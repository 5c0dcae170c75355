import { describe, expect, it, vi } from 'vitest'
import { agp } from '../../../agp/proto/gen/agp.js'
import {
  decodeFrame, decodeRouteAttributes, encodeFrame, encodeRouteAttributes, FrameDecodeError
} from '../../../agp/codec/frame-codec.ts'
import { HeaderSubcode, UpdateSubcode } from '../../../agp/codec/errors.ts'
import { AGP_VERSION, MAX_FRAME_BYTES, NotificationCode, OpenSubcode, type Frame, type OpenFrame } from '../../../agp/codec/frame.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { MAX_REFRESHES_PER_UPDATE } from '../../../agp/codec/limits.ts'
import { WireRouteCache } from '../../../agp/codec/wire-route-cache.ts'
import { ORG_ID_PATTERN } from '../../../kernel/ids/identifiers.ts'
import { decodeRoute, encodeRoute } from '../../../agp/route/route-codec.ts'
import { originateRoute, verifyRoute, verifyRoutes } from '../../../agp/route/originate.ts'
import type { LocalAgent } from '../../../reflector/types.ts'
import { fakeSigner, fakeVerifier, makeRoute } from '../../helpers/fixtures.ts'

const agent: LocalAgent = {
  id: 'reviewer-1', capability: 'code-review/python', endpoint: 'http://127.0.0.1:9001', costUsd: 0.4,
  latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 }, region: 'eu', tags: ['gpu']
}
const signer = fakeSigner('12D3KooWacme')
const signed = originateRoute(agent, { org: 'acme', signer, originSeq: 7, nowMs: 1_700_000_000_000 })

const open: OpenFrame = { type: 'open', org: 'acme', site: 'acme', role: 'reflector', cluster: 'rr-1', holdTimeS: 90, capabilities: ['graceful-restart'], interests: ['code-review'] }

function expectError (r: ReturnType<typeof decodeFrame>, code: NotificationCode, subcode?: number): FrameDecodeError {
  expect(r.ok).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error).toBeInstanceOf(FrameDecodeError)
  expect(r.error.code).toBe('ERR_FRAME_DECODE')
  expect(r.error.notificationCode).toBe(code)
  if (subcode !== undefined) expect(r.error.subcode).toBe(subcode)
  return r.error
}

function rawFrame (props: agp.Frame.$Properties): Uint8Array {
  return agp.Frame.encode(props).finish()
}

describe('frame codec', () => {
  const frames: Frame[] = [
    open,
    { type: 'keepalive' },
    { type: 'end-of-rib' },
    { type: 'route-refresh' },
    { type: 'route-refresh', interests: [] },
    { type: 'route-refresh', interests: ['summarize', 'code-review/python'] },
    { type: 'notification', code: NotificationCode.Cease, subcode: 2, text: 'bye' },
    { type: 'update', announces: [signed], withdraws: [{ capability: 'summarize', originOrg: 'beta', agentId: 's-1' }] }
  ]

  it.each(frames.map((f) => [f.type, f] as const))('round-trips %s', (_t, frame) => {
    const r = decodeFrame(encodeFrame(frame))
    expect(r).toEqual({ ok: true, value: frame })
  })

  it('keeps absent and empty ROUTE_REFRESH interests apart', () => {
    const absent = decodeFrame(encodeFrame({ type: 'route-refresh' }))
    const empty = decodeFrame(encodeFrame({ type: 'route-refresh', interests: [] }))
    expect(absent.ok && absent.value.type === 'route-refresh' && absent.value.interests).toBeUndefined()
    expect(empty.ok && empty.value.type === 'route-refresh' && empty.value.interests).toEqual([])
  })

  it('relays attrsBytes verbatim and decodes attrs from them', () => {
    const r = decodeFrame(encodeFrame({ type: 'update', announces: [signed], withdraws: [] }))
    if (!r.ok || r.value.type !== 'update') throw new Error('expected update')
    const route = r.value.announces[0]
    expect(route?.attrsBytes).toEqual(signed.attrsBytes)
    expect(route?.attrs).toEqual(signed.attrs)
    expect(route && verifyRoute(route, fakeVerifier)).toBe(true)
  })

  it('refuses another version', () => {
    expectError(decodeFrame(rawFrame({ version: 2, keepalive: {} })), NotificationCode.MessageHeaderError, HeaderSubcode.UnsupportedVersion)
    expectError(decodeFrame(new Uint8Array()), NotificationCode.MessageHeaderError, HeaderSubcode.UnsupportedVersion)
  })

  it('refuses a frame without a body and garbage bytes', () => {
    expectError(decodeFrame(rawFrame({ version: AGP_VERSION })), NotificationCode.MessageHeaderError, HeaderSubcode.BadMessageType)
    expectError(decodeFrame(new Uint8Array([0xff, 0xff, 0xff])), NotificationCode.MessageHeaderError, HeaderSubcode.BadMessage)
  })

  it('refuses oversize frames on both sides', () => {
    expectError(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), NotificationCode.MessageHeaderError, HeaderSubcode.BadMessageLength)
    const many = Array.from({ length: 5000 }, () => signed)
    expect(() => encodeFrame({ type: 'update', announces: many, withdraws: [] })).toThrow(InvalidArgumentError)
  })

  it('refuses bad OPENs with OPEN error subcodes', () => {
    const bad = (o: agp.Open.$Properties): Uint8Array => rawFrame({ version: 1, open: { org: 'acme', role: 1, holdTimeS: 90, ...o } })
    expectError(decodeFrame(bad({ org: 'Acme' })), NotificationCode.OpenMessageError, OpenSubcode.BadPeerOrg)
    expectError(decodeFrame(bad({ role: 7 as agp.Role })), NotificationCode.OpenMessageError, OpenSubcode.RoleMismatch)
    expectError(decodeFrame(bad({ role: 2, cluster: '' })), NotificationCode.OpenMessageError, OpenSubcode.RoleMismatch)
    expectError(decodeFrame(bad({ holdTimeS: 70000 })), NotificationCode.OpenMessageError, OpenSubcode.UnacceptableHoldTime)
    expectError(decodeFrame(bad({ interests: ['a//b'] })), NotificationCode.OpenMessageError)
  })

  it('refuses bad routes with UPDATE errors', () => {
    const wire = { attrs: signed.attrsBytes, signature: signed.signature, orgPath: ['acme'] }
    const upd = (r: agp.WireRoute.$Properties): Uint8Array => rawFrame({ version: 1, update: { announces: [r] } })
    expect(decodeFrame(upd(wire)).ok).toBe(true)
    expectError(decodeFrame(upd({ ...wire, signature: new Uint8Array(63) })), NotificationCode.UpdateMessageError, UpdateSubcode.MalformedRoute)
    expectError(decodeFrame(upd({ ...wire, orgPath: [] })), NotificationCode.UpdateMessageError)
    expectError(decodeFrame(upd({ ...wire, orgPath: Array.from({ length: 65 }, () => 'x') })), NotificationCode.UpdateMessageError)
    expectError(decodeFrame(upd({ ...wire, pathTags: ['BAD TAG'] })), NotificationCode.UpdateMessageError)
    expectError(decodeFrame(upd({ ...wire, attrs: new Uint8Array([1, 2, 3]) })), NotificationCode.UpdateMessageError, UpdateSubcode.MalformedAttributeList)
    const attrs = (a: Partial<agp.RouteAttributes.$Properties>): Uint8Array =>
      agp.RouteAttributes.encode({ capability: 'a', originOrg: 'o', agentId: 'x', originPeerId: 'p', endpoint: '', costUsd: 1, latencyMs: { p50: 1, p95: 2 }, winRate: { wins: 1, trials: 2 }, originSeq: 1, ...a }).finish()
    expect(decodeFrame(upd({ ...wire, attrs: attrs({}) })).ok).toBe(true)
    for (const a of [{ capability: 'A' }, { costUsd: -1 }, { costUsd: Number.NaN }, { costUsd: Infinity },
      { latencyMs: { p50: 3, p95: 2 } }, { winRate: { wins: 3, trials: 2 } }, { originOrg: '' }, { agentId: 'x'.repeat(65) },
      { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, { originSeq: 2 ** 60 }, { originPeerId: '' }]) {
      expectError(decodeFrame(upd({ ...wire, attrs: attrs(a) })), NotificationCode.UpdateMessageError, UpdateSubcode.MalformedAttributeList)
    }
    const withdraw = rawFrame({ version: 1, update: { withdraws: [{ capability: 'a', originOrg: 'o', agentId: '' }] } })
    expectError(decodeFrame(withdraw), NotificationCode.UpdateMessageError, UpdateSubcode.InvalidNetworkField)
  })

  it('bounds UPDATE entry counts', () => {
    const withdraws = Array.from({ length: 4097 }, () => ({ capability: 'a', originOrg: 'o', agentId: 'x' }))
    expectError(decodeFrame(rawFrame({ version: 1, update: { withdraws } })), NotificationCode.UpdateMessageError, UpdateSubcode.TooManyEntries)
  })

  it('refuses bad NOTIFICATIONs and ROUTE_REFRESHes', () => {
    expectError(decodeFrame(rawFrame({ version: 1, notification: { code: 0 } })), NotificationCode.MessageHeaderError)
    expectError(decodeFrame(rawFrame({ version: 1, notification: { code: 6, text: 'x'.repeat(1025) } })), NotificationCode.MessageHeaderError)
    expectError(decodeFrame(rawFrame({ version: 1, routeRefresh: { hasInterests: false, interests: ['a'] } })), NotificationCode.UpdateMessageError)
  })

  it('never throws on non-bytes input', () => {
    expect(decodeFrame(undefined as unknown as Uint8Array).ok).toBe(false)
  })
})

describe('route attributes and route codec', () => {
  it('encodes attributes canonically', () => {
    const again = encodeRouteAttributes({ ...signed.attrs, latencyMs: { ...signed.attrs.latencyMs }, tags: [...signed.attrs.tags] })
    expect(again).toEqual(signed.attrsBytes)
    expect(encodeRouteAttributes({ ...signed.attrs, costUsd: -0 })).toEqual(encodeRouteAttributes({ ...signed.attrs, costUsd: 0 }))
    expect(decodeRouteAttributes(signed.attrsBytes)).toEqual({ ok: true, value: signed.attrs })
  })

  it('refuses to encode attributes no receiver would accept', () => {
    expect(() => encodeRouteAttributes({ ...signed.attrs, capability: 'Bad' })).toThrow(InvalidArgumentError)
    expect(() => encodeRouteAttributes({ ...signed.attrs, winRate: { wins: 5, trials: 1, measuredAtMs: 0 } })).toThrow(/wins/)
  })

  it('round-trips a route, keeping attrsBytes verbatim', () => {
    const r = decodeRoute(encodeRoute({ ...signed, orgPath: ['beta', 'acme'], originatorId: 'peer-x', clusterList: ['rr-1'], pathTags: ['no-export'] }))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.attrsBytes).toEqual(signed.attrsBytes)
    expect(r.value).toEqual({ ...signed, orgPath: ['beta', 'acme'], originatorId: 'peer-x', clusterList: ['rr-1'], pathTags: ['no-export'] })
    expect(decodeRoute(new Uint8Array([9, 9, 9])).ok).toBe(false)
  })

  it('encodes a fixture route without attrsBytes from its attrs', () => {
    const r = decodeRoute(encodeRoute(makeRoute()))
    expect(r.ok && r.value.attrs).toEqual(makeRoute().attrs)
  })
})

describe('origination', () => {
  it('signs the canonical encoding with the origin key', () => {
    expect(signed.attrs).toMatchObject({ originOrg: 'acme', agentId: 'reviewer-1', originPeerId: '12D3KooWacme', originSeq: 7, originatedAtMs: 1_700_000_000_000 })
    expect(signed.attrs.winRate.measuredAtMs).toBe(1_700_000_000_000)
    expect(signed).toMatchObject({ orgPath: ['acme'], originatorId: '', clusterList: [], pathTags: [] })
    expect(signed.attrsBytes).toEqual(encodeRouteAttributes(signed.attrs))
    expect(verifyRoute(signed, fakeVerifier)).toBe(true)
  })

  it('rejects tampered attributes, signatures and wrong keys', () => {
    const other = originateRoute(agent, { org: 'acme', signer: fakeSigner('someone-else'), originSeq: 7, nowMs: 0 })
    const tamperedBytes = new Uint8Array(signed.attrsBytes)
    tamperedBytes[0] = (tamperedBytes[0] ?? 0) ^ 1
    const tamperedSig = new Uint8Array(signed.signature)
    tamperedSig[0] = (tamperedSig[0] ?? 0) ^ 1
    expect(verifyRoutes([signed, { ...signed, attrsBytes: tamperedBytes }, { ...signed, signature: tamperedSig },
      { ...other, attrs: { ...other.attrs, originPeerId: '12D3KooWacme' } }], fakeVerifier)).toEqual([true, false, false, false])
    const throwing = { verify: (): boolean => { throw new Error('bad key') } }
    expect(verifyRoute(signed, throwing)).toBe(false)
  })

  it('refuses to originate an invalid agent', () => {
    expect(() => originateRoute({ ...agent, capability: 'Code Review' }, { org: 'acme', signer, originSeq: 1, nowMs: 0 })).toThrow(InvalidArgumentError)
  })
})

describe('decoding an UPDATE\'s routes', () => {
  it('checks a value the route before it in the UPDATE carried once, not once per route', () => {
    const announces = Array.from({ length: 50 }, (_, i) => originateRoute({ ...agent, id: `reviewer-${i}` }, { org: 'acme', signer, originSeq: 7, nowMs: 1_700_000_000_000 }))
    const bytes = encodeFrame({ type: 'update', announces: announces.map((r) => ({ ...r, orgPath: ['acme'], clusterList: ['rr-1'] })), withdraws: [] })
    const orgChecks = vi.spyOn(ORG_ID_PATTERN, 'test')
    try {
      const d = decodeFrame(bytes)
      expect(d.ok && d.value.type === 'update' ? d.value.announces.length : d).toBe(50)
      // The first route: its origin org, org path and cluster list; the 49 after it repeat them.
      expect(orgChecks.mock.calls.length).toBe(3)
    } finally {
      orgChecks.mockRestore()
    }
  })
})

describe('batch refreshes in an UPDATE', () => {
  const good = {
    originPeerId: 'peer-a', originOrg: 'acme', batchSignature: new Uint8Array(64).fill(1),
    refreshedAtMs: 1_700_000_000_000, signature: new Uint8Array(64).fill(2), agentIds: ['r1', 'r2']
  }
  const decodeRefreshes = (refreshes: agp.IBatchRefresh[]): ReturnType<typeof decodeFrame> =>
    decodeFrame(rawFrame({ version: AGP_VERSION, update: { refreshes } }))

  it('round-trip after the announces, through the fast encoder too, and an UPDATE without any has no field', () => {
    const announces = [originateRoute(agent, { org: 'acme', signer, originSeq: 1, nowMs: 1 })]
    const frame = { type: 'update' as const, announces, withdraws: [], refreshes: [good] }
    const bytes = encodeFrame(frame)
    expect(encodeFrame(frame, new WireRouteCache(4))).toEqual(bytes)
    expect(decodeFrame(bytes)).toEqual({ ok: true, value: frame })
    const none = decodeFrame(encodeFrame({ type: 'update', announces, withdraws: [] }))
    expect(none.ok && 'refreshes' in none.value).toBe(false)
  })

  it('refuses a malformed refresh as a malformed route (3/11) and too many as too many entries (3/12)', () => {
    const refused = (r: ReturnType<typeof decodeFrame>): [number, number] | 'ok' => r.ok ? 'ok' : [r.error.notificationCode, r.error.subcode]
    expect(refused(decodeRefreshes([good]))).toBe('ok')
    expect(refused(decodeRefreshes([{ ...good, signature: new Uint8Array(63) }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes([{ ...good, batchSignature: new Uint8Array(65) }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes([{ ...good, agentIds: [] }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes([{ ...good, agentIds: ['Bad Id'] }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes([{ ...good, originPeerId: '' }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes([{ ...good, originOrg: 'ACME' }]))).toEqual([3, 11])
    expect(refused(decodeRefreshes(Array.from({ length: MAX_REFRESHES_PER_UPDATE + 1 }, () => good)))).toEqual([3, 12])
  })
})
