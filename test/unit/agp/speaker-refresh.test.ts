// ROUTE_REFRESH pacing: a neighbor that sends refreshes in a loop gets the table at most
// once per interval, not once per frame; a reset session drops what was deferred.
import { describe, expect, it } from 'vitest'
import { DEFAULT_ROUTE_REFRESH_INTERVAL_MS } from '../../../reflector/types.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const AGENTS = 20

function reflectorWithTable (): SpeakerHarness {
  const h = new SpeakerHarness()
  const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }
  h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }] })
  h.startAll()
  h.runFor(1000)
  for (let i = 0; i < AGENTS; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, 'code-review') })
  h.runFor(DEFAULT_ROUTE_REFRESH_INTERVAL_MS * 2)
  return h
}

/** Routes rr1 announced to pc so far. */
const announcedToPc = (h: SpeakerHarness): number => h.effects('rr1', 'send')
  .filter((e) => e.peer === 'pc')
  .reduce((sum, e) => sum + e.frames.reduce((s, f) => s + (f.type === 'update' ? f.announces.length : 0), 0), 0)

describe('speaker: ROUTE_REFRESH pacing', () => {
  it('serves the first refresh at once and coalesces a burst into one more, at the end of the interval', () => {
    const h = reflectorWithTable()
    const before = announcedToPc(h)
    for (let i = 0; i < 50; i++) h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh' } })
    expect(announcedToPc(h) - before).toBe(AGENTS)
    h.runFor(DEFAULT_ROUTE_REFRESH_INTERVAL_MS + 10)
    expect(announcedToPc(h) - before).toBe(2 * AGENTS)
    expect(h.node('rr1').counters().routeRefreshCoalesced).toBe(49)
    // Paced, not refused: the next one after the interval is served at once again.
    h.runFor(DEFAULT_ROUTE_REFRESH_INTERVAL_MS)
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh' } })
    expect(announcedToPc(h) - before).toBe(3 * AGENTS)
  })

  it('applies the latest interests of a coalesced burst', () => {
    const h = reflectorWithTable()
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh' } })
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh', interests: ['summarize'] } })
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh', interests: ['code-review'] } })
    h.runFor(DEFAULT_ROUTE_REFRESH_INTERVAL_MS + 10)
    expect(h.node('rr1').peers().find((p) => p.peerId === 'pc')?.interests).toEqual(['code-review'])
    expect(h.node('pc').routes(h.nowMs)).toHaveLength(AGENTS)
  })

  it('drops what was deferred when the session goes down', () => {
    const h = reflectorWithTable()
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh' } })
    h.input('rr1', { type: 'frame', peer: 'pc', frame: { type: 'route-refresh' } })
    expect(h.effects('rr1', 'set-timer').some((e) => e.id === 'route-refresh:pc')).toBe(true)
    h.input('rr1', { type: 'transport-down', peer: 'pc', reason: 'test' })
    expect(h.effects('rr1', 'clear-timer').some((e) => e.id === 'route-refresh:pc')).toBe(true)
  })
})
