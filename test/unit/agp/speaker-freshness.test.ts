import { describe, expect, it } from 'vitest'
import { originateRoute } from '../../../agp/route/originate.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'

function pair (): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pc', org: 'c', role: 'client' }] })
  h.startAll()
  h.runFor(1000)
  return h
}

describe('speaker: freshness', () => {
  it('a route that is not refreshed goes stale at staleS and is removed at maxAgeS', () => {
    const h = pair()
    const route = originateRoute(agent('old', 'code-review'), { org: 'x', signer: fakeSigner('px'), originSeq: 1, nowMs: h.nowMs })
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [route], withdraws: [] } })
    const state = (): string[] => h.node('pc').routes(h.nowMs).map((v) => v.state)
    expect(state()).toEqual(['active'])
    h.runFor(299_000)
    expect(state()).toEqual(['active'])
    h.runFor(2_000)
    expect(state()).toEqual(['stale'])
    expect(h.node('pc').routes(h.nowMs)[0]?.usable).toBe(true)
    h.runFor(600_000)
    expect(state()).toEqual([])
    expect(h.effects('pc', 'audit').some((e) => e.event.kind === 'route-expired')).toBe(true)
  })

  it('origins re-advertise every refreshS, so their routes never go stale downstream; refreshes are not Loc-RIB changes', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }] })
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
    h.startAll()
    h.runFor(1000)
    const changes = (): number => h.effects('rr1', 'loc-rib-changed').length
    const before = changes()
    const seq0 = h.node('rr1').routes(h.nowMs)[0]?.route.attrs.originSeq ?? 0
    h.runFor(1_000_000)
    const v = h.node('rr1').routes(h.nowMs)[0]
    expect(v?.state).toBe('active')
    expect(v?.route.attrs.originSeq).toBeGreaterThan(seq0)
    expect(changes()).toBe(before)
  })
})

describe('speaker: determinism', () => {
  it('the same inputs give byte-identical effects', () => {
    const run = (): string => {
      const h = new SpeakerHarness()
      h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
      h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
      h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', mraiMs: 200, neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }] })
      h.startAll()
      h.runFor(1000)
      for (let i = 0; i < 5; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i % 2}`) })
      h.partition('pa', 'rr1')
      h.runFor(5000)
      h.heal('pa', 'rr1')
      h.runFor(120_000)
      return JSON.stringify([...h.log.entries()], (_k, v: unknown) => v instanceof Uint8Array ? [...v].join(',') : v)
    }
    expect(run()).toBe(run())
  })
})
