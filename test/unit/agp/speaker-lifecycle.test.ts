import { describe, expect, it } from 'vitest'
import { CeaseSubcode, NotificationCode } from '../../../agp/codec/frame.ts'
import { DEFAULT_DAMPING } from '../../../agp/params.ts'
import { agent, SpeakerHarness, type NodeSpec } from '../../helpers/speaker-harness.ts'

const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }

function abc (rr: Partial<NodeSpec> = {}, paMax?: number): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
  h.add({
    peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', ...rr,
    neighbors: [{ peerId: 'pa', org: 'a', role: 'client', ...(paMax === undefined ? {} : { maxRoutes: paMax }) }, { peerId: 'pc', org: 'c', role: 'client' }]
  })
  h.startAll()
  h.runFor(1000)
  return h
}

const names = (h: SpeakerHarness, node: string): string[] => h.node(node).routes(h.nowMs).map((v) => `${v.route.attrs.agentId}:${v.state}`)

describe('speaker: max routes per neighbor', () => {
  it('past the limit: NOTIFICATION cease/max-prefixes, close, routes dropped, back off', () => {
    const h = abc({}, 2)
    for (const id of ['a1', 'a2', 'a3']) h.input('pa', { type: 'agent-upsert', agent: agent(id, 'code-review') })
    h.runFor(10)
    const note = (h.received.get('pa') ?? []).map((r) => r.frame).find((f) => f.type === 'notification')
    expect(note).toMatchObject({ type: 'notification', code: NotificationCode.Cease, subcode: CeaseSubcode.MaxPrefixesReached })
    expect(h.node('rr1').routes(h.nowMs)).toEqual([])
    expect(h.node('rr1').counters().maxRoutesExceeded).toBe(1)
    expect(h.effects('rr1', 'audit').some((e) => e.event.kind === 'max-routes')).toBe(true)
    expect(h.node('rr1').peers()[0]?.state).not.toBe('established')
    expect(h.node('pa').peers()[0]?.lastError).toMatch(/notification/)
  })
})

describe('speaker: session uptime', () => {
  it('peers() carries when the session reached Established (the Speaker clock), and drops it when the session goes down', () => {
    const h = abc({}, 2)
    const up = h.node('rr1').peers()[0]
    expect(up?.state).toBe('established')
    expect(up?.establishedAtMs).toBeGreaterThanOrEqual(0)
    expect(up?.establishedAtMs).toBeLessThanOrEqual(1000)
    for (const id of ['a1', 'a2', 'a3']) h.input('pa', { type: 'agent-upsert', agent: agent(id, 'code-review') })
    h.runFor(10)
    expect(h.node('rr1').peers()[0]?.establishedAtMs).toBeUndefined()
  })
})

describe('speaker: graceful restart', () => {
  it('keeps a dropped neighbor\'s routes stale, then flushes what is not re-sent at END_OF_RIB', () => {
    const h = abc()
    h.input('pa', { type: 'agent-upsert', agent: agent('keep', 'code-review') })
    h.input('pa', { type: 'agent-upsert', agent: agent('gone', 'code-review') })
    h.runFor(100)
    h.partition('pa', 'rr1')
    h.runFor(10)
    expect(names(h, 'rr1').sort()).toEqual(['gone:stale', 'keep:stale'])
    // Stale routes are still usable, so C keeps them.
    expect(h.node('pc').routes(h.nowMs)).toHaveLength(2)
    h.input('pa', { type: 'agent-remove', id: 'gone' })
    h.heal('pa', 'rr1')
    h.runFor(60_000)
    expect(h.node('rr1').peers()[0]?.state).toBe('established')
    expect(names(h, 'rr1')).toEqual(['keep:active'])
    expect(names(h, 'pc')).toEqual(['keep:active'])
  })

  it('flushes the stale routes when the restart timer expires', () => {
    const h = abc({ restartTimeS: 30 })
    h.input('pa', { type: 'agent-upsert', agent: agent('keep', 'code-review') })
    h.runFor(100)
    h.partition('pa', 'rr1')
    h.runFor(29_000)
    expect(names(h, 'rr1')).toEqual(['keep:stale'])
    h.runFor(2_000)
    expect(names(h, 'rr1')).toEqual([])
    expect(names(h, 'pc')).toEqual([])
  })

  it('restores the Adj-RIB-In from a snapshot as stale after a restart', () => {
    const h = abc()
    h.input('pa', { type: 'agent-upsert', agent: agent('keep', 'code-review') })
    h.runFor(100)
    const snap = h.node('rr1').snapshot()
    expect(snap.adjRibIn.map((x) => x.peer)).toEqual(['pa'])
    h.crash('rr1')
    h.runFor(10)
    h.restart('rr1', snap)
    expect(names(h, 'rr1')).toEqual(['keep:stale'])
    h.runFor(60_000)
    expect(names(h, 'rr1')).toEqual(['keep:active'])
    expect(names(h, 'pc')).toEqual(['keep:active'])
  })
})

describe('speaker: damping where the route enters the federation', () => {
  const damping = { ...DEFAULT_DAMPING, halfLifeS: 60, suppress: 2500, reuse: 750, maxSuppressS: 600 }

  it('a flapping agent is suppressed at the reflector only, and comes back at reuse', () => {
    const h = abc({ damping })
    h.specs.set('pc', { ...h.specs.get('pc') as NodeSpec, damping })
    for (let i = 0; i < 3; i++) {
      h.input('pa', { type: 'agent-upsert', agent: agent('flap', 'code-review') })
      h.runFor(100)
      h.input('pa', { type: 'agent-remove', id: 'flap' })
      h.runFor(100)
    }
    h.input('pa', { type: 'agent-upsert', agent: agent('flap', 'code-review') })
    h.runFor(100)
    expect(names(h, 'rr1')).toEqual(['flap:suppressed'])
    expect(h.node('rr1').routes(h.nowMs)[0]?.penalty).toBeGreaterThan(2500)
    expect(h.effects('rr1', 'audit').filter((e) => e.event.kind === 'route-suppressed')).toHaveLength(1)
    // Not reflected while suppressed, and no damping downstream.
    expect(names(h, 'pc')).toEqual([])
    expect(h.effects('pc', 'audit').some((e) => e.event.kind === 'route-suppressed')).toBe(false)
    h.runFor(5 * 60_000)
    expect(names(h, 'rr1')).toEqual(['flap:active'])
    expect(names(h, 'pc')).toEqual(['flap:active'])
    expect(h.node('pc').routes(h.nowMs)[0]?.penalty).toBe(0)
    expect(h.effects('rr1', 'audit').some((e) => e.event.kind === 'route-reused')).toBe(true)
  })

  it('metric refreshes inside the hysteresis band are never penalized', () => {
    const h = abc({ damping })
    for (let i = 0; i < 30; i++) {
      h.input('pa', { type: 'agent-upsert', agent: agent('chatty', 'code-review', { costUsd: i % 2 === 0 ? 0.40 : 0.42 }) })
      h.runFor(1000)
    }
    expect(names(h, 'rr1')).toEqual(['chatty:active'])
    expect(h.node('rr1').routes(h.nowMs)[0]?.penalty).toBe(0)
    expect(names(h, 'pc')).toEqual(['chatty:active'])
  })
})

describe('speaker: MRAI', () => {
  it('batches changes within the advertisement interval into one UPDATE, latest state wins', () => {
    const h = abc({ mraiMs: 5000 })
    h.runFor(10_000)
    const updatesToC = (): number => (h.received.get('pc') ?? []).filter((r) => r.from === 'rr1' && r.frame.type === 'update').length
    const before = updatesToC()
    h.input('pa', { type: 'agent-upsert', agent: agent('first', 'code-review') })
    h.runFor(100)
    expect(updatesToC()).toBe(before + 1) // the first change goes at once
    for (const id of ['b', 'c', 'd']) {
      h.input('pa', { type: 'agent-upsert', agent: agent(id, 'code-review') })
      h.runFor(100)
    }
    h.input('pa', { type: 'agent-remove', id: 'd' })
    h.runFor(100)
    expect(updatesToC()).toBe(before + 1)
    h.runFor(5000)
    expect(updatesToC()).toBe(before + 2)
    const last = (h.received.get('pc') ?? []).filter((r) => r.frame.type === 'update').at(-1)?.frame
    expect(last?.type === 'update' && last.announces.map((r) => r.attrs.agentId).sort()).toEqual(['b', 'c'])
    expect(last?.type === 'update' && last.withdraws).toEqual([])
  })

  it('splits large batches into UPDATE frames of at most maxRoutesPerUpdate announces', () => {
    const h = new SpeakerHarness()
    const limits = { maxRoutesPerNeighbor: 1000, maxPathsPerCapability: 64, maxRoutesPerUpdate: 4, exportRoutesPerTurn: 0 }
    h.add({ peerId: 'pa', org: 'a', limits, neighbors: [toRr] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }] })
    for (let i = 0; i < 10; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i}`) })
    h.startAll()
    h.runFor(1000)
    expect(h.node('rr1').routes(h.nowMs)).toHaveLength(10)
    const sizes = (h.received.get('rr1') ?? []).flatMap((r) => r.frame.type === 'update' ? [r.frame.announces.length] : [])
    expect(sizes).toEqual([4, 4, 2])
  })
})

describe('speaker: restored agents', () => {
  it('a restored agent the wire would refuse is audited and left out; the others originate and sessions start', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }] })
    h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] }, {
      localAgents: [agent('bad', 'code-review', { endpoint: 'https://a.example/x y' }), agent('good', 'code-review')],
      adjRibIn: [], damping: [], originSeq: 0
    })
    h.startAll()
    h.runFor(1000)
    expect(h.node('pa').localAgents().map((a) => a.id)).toEqual(['good'])
    expect(h.effects('pa', 'audit').find((e) => e.event.kind === 'agent-refused')?.event).toMatchObject({ agent: 'bad', detail: expect.stringMatching(/endpoint/) as unknown })
    expect(names(h, 'rr1')).toEqual(['good:active'])
  })
})
