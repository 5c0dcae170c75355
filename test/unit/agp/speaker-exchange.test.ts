import { describe, expect, it } from 'vitest'
import { agent, reflectorWithTwoClients, SpeakerHarness } from '../../helpers/speaker-harness.ts'

function triangle (h: SpeakerHarness): void {
  reflectorWithTwoClients(h)
}

describe('speaker: sessions and route exchange through a reflector', () => {
  it('establishes sessions with every configured neighbor', () => {
    const h = new SpeakerHarness()
    triangle(h)
    expect(h.node('rr1').peers().map((p) => p.state)).toEqual(['established', 'established'])
    expect(h.node('pa').peers()[0]?.state).toBe('established')
  })

  it('a route originated at A appears at C with originator id A and cluster list [c1]', () => {
    const h = new SpeakerHarness()
    triangle(h)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review/python') })
    h.runFor(100)
    const atC = h.node('pc').routes(h.nowMs)
    expect(atC).toHaveLength(1)
    const v = atC[0]
    expect(v?.route.attrs.originOrg).toBe('a')
    expect(v?.route.attrs.originPeerId).toBe('pa')
    expect(v?.route.originatorId).toBe('pa')
    expect(v?.route.clusterList).toEqual(['c1'])
    expect(v?.route.orgPath).toEqual(['a'])
    expect(v?.fromPeer).toBe('rr1')
    expect(v?.best).toBe(true)
    expect(v?.state).toBe('active')
    // The reflector holds it as received from its client, untouched.
    const atR = h.node('rr1').routes(h.nowMs)
    expect(atR[0]?.route.originatorId).toBe('')
    expect(atR[0]?.route.clusterList).toEqual([])
    expect(h.node('rr1').peers().find((p) => p.peerId === 'pc')?.routesSent).toBe(1)
    expect(h.node('pc').peers()[0]?.routesReceived).toBe(1)
  })

  it('resolves the route at C, and withdraws it everywhere when the agent is removed', () => {
    const h = new SpeakerHarness()
    triangle(h)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review/python') })
    h.runFor(100)
    const res = h.node('pc').resolve({ capability: 'code-review/python/security' }, h.nowMs)
    expect(res?.capability).toBe('code-review/python')
    expect(res?.candidates[0]?.view.route.attrs.agentId).toBe('rev')
    expect(h.node('pc').resolve({ capability: 'summarize' }, h.nowMs)).toBeUndefined()
    h.input('pa', { type: 'agent-remove', id: 'rev' })
    h.runFor(100)
    expect(h.node('pc').routes(h.nowMs)).toEqual([])
    expect(h.node('rr1').routes(h.nowMs)).toEqual([])
  })

  it('a route known before the session comes up is sent in the initial table, then END_OF_RIB', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'pb', org: 'b', role: 'partner' }] })
    h.add({ peerId: 'pb', org: 'b', neighbors: [{ peerId: 'pa', org: 'a', role: 'partner' }] })
    h.input('pa', { type: 'agent-upsert', agent: agent('sum', 'summarize') })
    h.startAll()
    h.runFor(1000)
    const frames = (h.received.get('pb') ?? []).map((r) => r.frame.type)
    expect(frames).toContain('end-of-rib')
    expect(frames.indexOf('update')).toBeLessThan(frames.indexOf('end-of-rib'))
    expect(h.node('pb').routes(h.nowMs).map((v) => v.route.orgPath)).toEqual([['a']])
  })
})

describe('speaker: the audit of a bulk UPDATE', () => {
  it('lists the first new paths of an UPDATE and counts the rest in one record, withdrawals alike', () => {
    // With an MRAI, the routes of 40 agents leave in one or two UPDATEs per hop.
    const h = reflectorWithTwoClients(new SpeakerHarness(), 50)
    for (let i = 0; i < 40; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`rev-${i}`, `code-review/lang-${i}`) })
    h.runFor(100)
    expect(h.node('pc').routes(h.nowMs)).toHaveLength(40)
    const audited = (kind: string): { agent?: string, repeated?: number }[] =>
      h.effects('pc', 'audit').map((e) => e.event).filter((e) => e.kind === kind && e.peer === 'rr1')
    const accepted = audited('route-accepted')
    // The routes reached C in one or a few UPDATEs; each lists at most 4 paths, the rest counted.
    const listed = accepted.filter((e) => e.agent !== undefined).length
    const counted = accepted.reduce((n, e) => n + (e.repeated ?? 0), 0)
    expect(listed + counted).toBe(40)
    expect(accepted.length).toBeLessThanOrEqual(10)
    for (let i = 0; i < 40; i++) h.input('pa', { type: 'agent-remove', id: `rev-${i}` })
    h.runFor(100)
    const withdrawn = audited('route-withdrawn')
    expect(withdrawn.filter((e) => e.agent !== undefined).length + withdrawn.reduce((n, e) => n + (e.repeated ?? 0), 0)).toBe(40)
    expect(withdrawn.length).toBeLessThanOrEqual(10)
  })
})
