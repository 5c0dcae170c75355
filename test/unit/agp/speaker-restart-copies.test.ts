// Graceful-restart copies must not outlive the path: with rr1 down, its clients and
// rr2 keep rr1's copies stale; when the origin then withdraws (through rr2, alive),
// those stale copies go too, instead of keeping the withdrawn agent resolvable — and
// re-advertised — until restartTimeS.
import { describe, expect, it } from 'vitest'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

function twoReflectors (): SpeakerHarness {
  const h = new SpeakerHarness()
  const clients = [{ peerId: 'pa', org: 'a', role: 'client' as const }, { peerId: 'pc', org: 'c', role: 'client' as const }]
  const toRrs = [{ peerId: 'rr1', org: 'rr', role: 'reflector' as const }, { peerId: 'rr2', org: 'rr', role: 'reflector' as const }]
  h.add({ peerId: 'pa', org: 'a', neighbors: toRrs })
  h.add({ peerId: 'pc', org: 'c', neighbors: toRrs })
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', restartTimeS: 120, neighbors: [...clients, { peerId: 'rr2', org: 'rr', role: 'peer' }] })
  h.add({ peerId: 'rr2', org: 'rr', role: 'reflector', cluster: 'c2', restartTimeS: 120, neighbors: [...clients, { peerId: 'rr1', org: 'rr', role: 'peer' }] })
  h.startAll()
  h.runFor(1000)
  return h
}

const held = (h: SpeakerHarness, node: string): string[] =>
  h.node(node).routes(h.nowMs).filter((v) => v.usable).map((v) => v.route.attrs.agentId).sort()

describe('speaker: graceful-restart copies and withdrawals', () => {
  it('a withdrawal from a live neighbor also removes stale copies of that path', () => {
    const h = twoReflectors()
    h.input('pa', { type: 'agent-upsert', agent: agent('gone', 'code-review') })
    h.input('pa', { type: 'agent-upsert', agent: agent('keep', 'code-review') })
    h.runFor(100)
    expect(held(h, 'pc')).toEqual(['gone', 'keep'])
    h.crash('rr1')
    h.runFor(10)
    // Both copies at pc: rr2's (live) and rr1's (stale, kept for the restart).
    expect(h.node('pc').routes(h.nowMs).map((v) => v.route.attrs.agentId).sort()).toEqual(['gone', 'keep'])
    h.input('pa', { type: 'agent-remove', id: 'gone' })
    h.runFor(100)
    expect(held(h, 'pc')).toEqual(['keep'])
    expect(held(h, 'rr2')).toEqual(['keep'])
    expect(h.effects('pc', 'audit').some((e) => e.event.kind === 'route-withdrawn' && e.event.detail?.startsWith('graceful-restart copy') === true)).toBe(true)
  })

  it('keeps stale copies of paths nobody withdrew until the restart ends', () => {
    const h = twoReflectors()
    h.input('pa', { type: 'agent-upsert', agent: agent('keep', 'code-review') })
    h.runFor(100)
    h.crash('rr1')
    h.runFor(60_000)
    expect(held(h, 'pc')).toEqual(['keep'])
  })
})
