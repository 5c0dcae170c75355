import { describe, expect, it } from 'vitest'
import { originateRoute } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'

const toRr = (peerId = 'rr1') => ({ peerId, org: 'rr', role: 'reflector' as const })
const client = (peerId: string, org: string) => ({ peerId, org, role: 'client' as const })

function signed (org: string, peerId: string, id: string, capability: string, seq: number, path: Partial<Route> = {}): Route {
  return { ...originateRoute(agent(id, capability), { org, signer: fakeSigner(peerId), originSeq: seq, nowMs: 0 }), ...path }
}

describe('speaker: loop prevention (RFC 4456 §8)', () => {
  it('redundant reflectors of one cluster drop each other\'s reflections; clients still get one copy', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [toRr('rr1'), toRr('rr2')] })
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr('rr1'), toRr('rr2')] })
    for (const [id, other] of [['rr1', 'rr2'], ['rr2', 'rr1']] as const) {
      h.add({ peerId: id, org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pa', 'a'), client('pc', 'c'), { peerId: other, org: 'rr', role: 'peer' }] })
    }
    h.startAll()
    h.runFor(1000)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
    h.runFor(100)
    expect(h.node('rr1').counters().loopsDropped + h.node('rr2').counters().loopsDropped).toBeGreaterThan(0)
    const audits = h.effects('rr2', 'audit').map((e) => e.event.detail)
    expect(audits).toContain('cluster-list-loop')
    const atC = h.node('pc').routes(h.nowMs)
    expect(atC).toHaveLength(1) // two copies (via rr1 and rr2) collapse to one path
    expect(atC[0]?.route.clusterList).toEqual(['c1'])
    expect(h.node('pc').peers().map((p) => p.routesReceived)).toEqual([1, 1])
  })

  it('drops a route carrying our own peer id as originator, and counts it', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr()] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pc', 'c')] })
    h.startAll()
    h.runFor(1000)
    const looped = signed('x', 'px', 'rev', 'code-review', 1, { originatorId: 'pc', clusterList: ['c9'] })
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [looped], withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs)).toEqual([])
    expect(h.node('pc').counters().loopsDropped).toBe(1)
    expect(h.effects('pc', 'audit').some((e) => e.event.kind === 'route-rejected' && e.event.detail === 'originator-id-loop')).toBe(true)
  })
})

describe('speaker: signatures', () => {
  it('a bad signature withdraws the path (treat-as-withdraw) and keeps the session up', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr()] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pc', 'c')] })
    h.startAll()
    h.runFor(1000)
    const good = signed('x', 'px', 'rev', 'code-review', 1, { originatorId: 'px', clusterList: ['c1'] })
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [good], withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs)).toHaveLength(1)
    // The same bytes again are not re-verified.
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [good], withdraws: [] } })
    expect(h.node('pc').counters().signatureVerified).toBe(1)
    const forged = { ...signed('x', 'px', 'rev', 'code-review', 2), signature: new Uint8Array(64) }
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [forged], withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs)).toEqual([])
    expect(h.node('pc').counters().signatureInvalid).toBe(1)
    expect(h.effects('pc', 'audit').some((e) => e.event.kind === 'signature-invalid')).toBe(true)
    expect(h.node('pc').peers()[0]?.state).toBe('established')
  })

  it('ignores an advertisement older than the one held from the same neighbor', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr()] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pc', 'c')] })
    h.startAll()
    h.runFor(1000)
    const newer = signed('x', 'px', 'rev', 'code-review', 5)
    const older = { ...signed('x', 'px', 'rev', 'code-review', 4), attrs: { ...signed('x', 'px', 'rev', 'code-review', 4).attrs } }
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [newer], withdraws: [] } })
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [older], withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs)[0]?.route.attrs.originSeq).toBe(5)
    expect(h.node('pc').counters().staleSeqIgnored).toBe(1)
  })
})

describe('speaker: interests', () => {
  it('a client that wants only summarize never receives code-review; a ROUTE_REFRESH with new interests sends the difference', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [toRr()] })
    h.add({ peerId: 'pc', org: 'c', interests: ['summarize'], neighbors: [toRr()] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pa', 'a'), client('pc', 'c')] })
    h.startAll()
    h.runFor(1000)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review/python') })
    h.input('pa', { type: 'agent-upsert', agent: agent('sum', 'summarize/text') })
    h.runFor(100)
    const caps = (): string[] => h.node('pc').routes(h.nowMs).map((v) => v.route.attrs.capability)
    expect(caps()).toEqual(['summarize/text'])
    const sentToC = (h.received.get('pc') ?? []).flatMap((r) => r.frame.type === 'update' ? r.frame.announces : [])
    expect(sentToC.every((r) => r.attrs.capability.startsWith('summarize'))).toBe(true)
    expect(h.node('rr1').peers().find((p) => p.peerId === 'pc')?.interests).toEqual(['summarize'])
    // pc changes its mind (an outbound route filter update).
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh', interests: ['code-review'] } })
    h.runFor(100)
    expect(caps()).toEqual(['code-review/python'])
  })
})

describe('speaker: export policy built-ins', () => {
  function chain (pbPolicy?: { import: []; export: Array<{ action: 'accept'; learnedFromRole: Array<'partner'> }> }): SpeakerHarness {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'pb', org: 'b', role: 'partner' }] })
    h.add({ peerId: 'pb', org: 'b', ...(pbPolicy === undefined ? {} : { policy: pbPolicy }), neighbors: [{ peerId: 'pa', org: 'a', role: 'partner' }, { peerId: 'pc', org: 'c', role: 'partner' }] })
    h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'pb', org: 'b', role: 'partner' }] })
    h.startAll()
    h.runFor(1000)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
    h.runFor(100)
    return h
  }

  it('partner A\'s routes never reach partner C through B without a rule', () => {
    const h = chain()
    expect(h.node('pb').routes(h.nowMs)).toHaveLength(1)
    expect(h.node('pc').routes(h.nowMs)).toEqual([])
  })

  it('and do with one, with B prepended to the org path', () => {
    const h = chain({ import: [], export: [{ action: 'accept', learnedFromRole: ['partner'] }] })
    expect(h.node('pc').routes(h.nowMs).map((v) => v.route.orgPath)).toEqual([['b', 'a']])
  })

  it('a no-export route stops at the first hop', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [toRr()] })
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr()] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [client('pa', 'a'), client('pc', 'c')] })
    h.startAll()
    h.runFor(1000)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review', { tags: ['no-export'] }) })
    h.runFor(100)
    expect(h.node('rr1').routes(h.nowMs)).toHaveLength(1)
    expect(h.node('pc').routes(h.nowMs)).toEqual([])
  })
})
