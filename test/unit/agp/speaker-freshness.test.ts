import { describe, expect, it } from 'vitest'
import { originateRoute } from '../../../agp/route/originate.ts'
import { signOriginationBatch, prepareOrigination } from '../../../agp/route/originate.ts'
import { defaultHasher } from '../../../kernel/index.ts'
import { REFRESH_SLICE_ROUTES } from '../../../reflector/speaker-origination.ts'
import { FRESHNESS_SLICE_ENTRIES } from '../../../reflector/speaker-timers.ts'
import type { AtpSpeaker } from '../../../reflector/speaker.ts'
import type { SpeakerInput } from '../../../reflector/types.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'

/**
 * Wraps the speaker's handle so that each fire of timer `id` records
 * change(observe() before the fire, observe() after it): what one fire did.
 */
function perTimerFire<T> (speaker: AtpSpeaker, id: string, observe: () => T, change: (before: T, after: T) => number): number[] {
  const handle = speaker.handle.bind(speaker)
  const out: number[] = []
  speaker.handle = (input: SpeakerInput, nowMs: number) => {
    if (input.type !== 'timer' || input.id !== id) return handle(input, nowMs)
    const before = observe()
    const effects = handle(input, nowMs)
    out.push(change(before, observe()))
    return effects
  }
  return out
}

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

  it('a refresh of many agents is taken a slice per timer fire, so no one fire holds the loop; the next is due refreshS after it began', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
    h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }] })
    const agents = 3 * REFRESH_SLICE_ROUTES + 10
    for (let i = 0; i < agents; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i % 100}`) })
    h.startAll()
    h.runFor(1000)
    const seqs = (node: string): Map<string, number> =>
      new Map(h.node(node).routes(h.nowMs).filter((v) => v.route.attrs.originOrg === 'a').map((v) => [v.route.attrs.agentId, v.route.attrs.originSeq]))
    expect(seqs('rr1').size).toBe(agents)
    // Count, fire by fire, the local routes each refresh fire re-originated.
    const perFire = perTimerFire(h.node('pa'), 'refresh', () => seqs('pa'),
      (before, after) => [...after].filter(([id, seq]) => seq !== before.get(id)).length)
    const seen = seqs('rr1')
    h.runUntil(60_000 + 1000)
    expect(perFire).toEqual([REFRESH_SLICE_ROUTES, REFRESH_SLICE_ROUTES, REFRESH_SLICE_ROUTES, 10])
    // Every agent was re-advertised downstream, and the period did not drift.
    expect([...seqs('rr1')].every(([id, seq]) => seq > (seen.get(id) ?? Infinity))).toBe(true)
    const refreshArms = h.effects('pa', 'set-timer').filter((e) => e.id === 'refresh').map((e) => e.atMs)
    expect(refreshArms.slice(-4)).toEqual([60_000, 60_000, 60_000, 120_000])
  })

  it('routes that go stale together are handled a slice per timer fire, and all of them go stale', () => {
    const h = pair()
    const n = 2 * FRESHNESS_SLICE_ENTRIES + 100
    const prepared = Array.from({ length: n }, (_, i) => prepareOrigination(agent(`a${i}`, `cap-${i % 200}`), { org: 'x', originPeerId: 'px', originSeq: 1, nowMs: h.nowMs }))
    const routes = signOriginationBatch('x', prepared, fakeSigner('px'), defaultHasher)
    for (let i = 0; i < n; i += 512) h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: routes.slice(i, i + 512), withdraws: [] } })
    const stale = (): number => h.node('pc').routes(h.nowMs).filter((v) => v.state === 'stale').length
    expect(h.node('pc').routes(h.nowMs).length).toBe(n)
    const perFire = perTimerFire(h.node('pc'), 'freshness', stale, (before, after) => after - before)
    h.runFor(301_000)
    expect(perFire).toEqual([FRESHNESS_SLICE_ENTRIES, FRESHNESS_SLICE_ENTRIES, 100])
    expect(stale()).toBe(n)
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
