import { describe, expect, it } from 'vitest'
import { CeaseSubcode } from '../../../agp/codec/frame.ts'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import type { NeighborConfig } from '../../../reflector/types.ts'
import { agent, capabilitiesAt, reflectorWithTwoClients, type SpeakerHarness } from '../../helpers/speaker-harness.ts'

const toRr: NeighborConfig = { peerId: 'rr1', org: 'rr', role: 'reflector' }
const client = (peerId: string, org: string, over: Partial<NeighborConfig> = {}): NeighborConfig => ({ peerId, org, role: 'client', ...over })

/** pa and pc are clients of rr1; pb exists but rr1 does not know it yet. */
function federation (): SpeakerHarness {
  const h = reflectorWithTwoClients()
  h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
  h.input('pc', { type: 'agent-upsert', agent: agent('tr', 'translate') })
  h.runFor(100)
  return h
}

function sessionsOf (h: SpeakerHarness, node: string): Record<string, string> {
  return Object.fromEntries(h.node(node).peers().map((p) => [p.peerId, `${p.state}@${p.establishedAtMs ?? '-'}`]))
}

function setNeighbors (h: SpeakerHarness, node: string, neighbors: NeighborConfig[]): void {
  h.input(node, { type: 'neighbors', neighbors })
  h.runFor(1000)
}

describe('speaker: neighbors changed live (config reload)', () => {
  it('a neighbor added to the list gets a session and its routes; the others are untouched', () => {
    const h = federation()
    const before = sessionsOf(h, 'rr1')
    setNeighbors(h, 'rr1', [client('pa', 'a'), client('pc', 'c'), client('pb', 'b')])
    h.add({ peerId: 'pb', org: 'b', neighbors: [toRr] })
    h.input('pb', { type: 'start' })
    h.input('pb', { type: 'agent-upsert', agent: agent('sum', 'summarize') })
    h.runFor(2000)
    expect(h.node('rr1').peers().find((p) => p.peerId === 'pb')?.state).toBe('established')
    expect(capabilitiesAt(h, 'pa')).toEqual(['code-review', 'summarize', 'translate'])
    expect(capabilitiesAt(h, 'pb')).toEqual(['code-review', 'summarize', 'translate'])
    const after = sessionsOf(h, 'rr1')
    expect({ pa: after.pa, pc: after.pc }).toEqual({ pa: before.pa, pc: before.pc })
    expect(h.effects('rr1', 'audit').filter((e) => e.event.kind === 'session-down')).toEqual([])
  })

  it('a neighbor removed from the list is told (cease, peer de-configured) and its routes are withdrawn at once', () => {
    const h = federation()
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review', 'translate'])
    const pcBefore = sessionsOf(h, 'rr1').pc
    setNeighbors(h, 'rr1', [client('pc', 'c')])
    expect(h.node('rr1').peers().map((p) => p.peerId)).toEqual(['pc'])
    expect(capabilitiesAt(h, 'pc')).toEqual(['translate'])
    expect(capabilitiesAt(h, 'rr1')).toEqual(['translate'])
    expect(sessionsOf(h, 'rr1').pc).toBe(pcBefore)
    const told = (h.received.get('pa') ?? []).filter((r) => r.from === 'rr1' && r.frame.type === 'notification').map((r) => r.frame)
    expect(told).toMatchObject([{ type: 'notification', subcode: CeaseSubcode.PeerDeconfigured }])
    // rr1 arms nothing more for pa: no dial, no timer left for it.
    h.runFor(60_000)
    expect(h.node('pa').peers()[0]?.state).not.toBe('established')
    expect(h.node('rr1').peers().map((p) => p.peerId)).toEqual(['pc'])
  })

  it('a neighbor whose settings changed is reset with the new ones; the others are untouched', () => {
    const h = federation()
    const pcBefore = sessionsOf(h, 'rr1').pc
    setNeighbors(h, 'rr1', [client('pa', 'a', { maxRoutes: 10 }), client('pc', 'c')])
    const told = (h.received.get('pa') ?? []).filter((r) => r.from === 'rr1' && r.frame.type === 'notification').map((r) => r.frame)
    expect(told).toMatchObject([{ type: 'notification', subcode: CeaseSubcode.OtherConfigurationChange }])
    h.runFor(60_000)
    expect(h.node('rr1').peers().find((p) => p.peerId === 'pa')?.state).toBe('established')
    expect(capabilitiesAt(h, 'pc')).toEqual(['code-review', 'translate'])
    expect(sessionsOf(h, 'rr1').pc).toBe(pcBefore)
  })

  it('the same list again changes nothing and sends nothing', () => {
    const h = federation()
    const effects = h.input('rr1', { type: 'neighbors', neighbors: [client('pa', 'a'), client('pc', 'c')] })
    expect(effects.filter((e) => e.type === 'send' || e.type === 'close' || e.type === 'dial')).toEqual([])
  })

  it('a list naming a peer twice is refused and changes nothing', () => {
    const h = federation()
    const before = sessionsOf(h, 'rr1')
    expect(() => h.node('rr1').handle({ type: 'neighbors', neighbors: [client('pc', 'c'), client('pc', 'c')] }, h.nowMs)).toThrow(InvalidArgumentError)
    expect(sessionsOf(h, 'rr1')).toEqual(before)
  })
})
