import { describe, expect, it } from 'vitest'
import type { Frame } from '../../../agp/codec/frame.ts'
import { DEFAULT_LIMITS } from '../../../reflector/index.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const PER_TURN = 4

/** pa → rr1 → pc; rr1 paces its export at PER_TURN changes per turn; pc joins after pa's 10 routes are in. */
function lateClient (): SpeakerHarness {
  const h = new SpeakerHarness()
  const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }
  h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
  h.add({
    peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1',
    limits: { ...DEFAULT_LIMITS, exportRoutesPerTurn: PER_TURN },
    neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }]
  })
  for (let i = 0; i < 10; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i}`) })
  h.partition('rr1', 'pc')
  h.startAll()
  h.runFor(2000)
  return h
}

const fromRr = (h: SpeakerHarness): Frame[] => (h.received.get('pc') ?? []).filter((r) => r.from === 'rr1').map((r) => r.frame)

describe('speaker: paced export (limits.exportRoutesPerTurn)', () => {
  it('streams the full table a turn at a time, each after transport-drained, END_OF_RIB last', () => {
    const h = lateClient()
    expect(h.node('rr1').routes(h.nowMs)).toHaveLength(10)
    h.heal('rr1', 'pc')
    h.runFor(5000)
    const frames = fromRr(h).filter((f) => f.type === 'update' || f.type === 'end-of-rib')
    const sizes = frames.flatMap((f) => f.type === 'update' ? [f.announces.length] : [])
    // Never the whole table in one turn: 4 + 4 + 2, each turn its own UPDATE.
    expect(sizes).toEqual([4, 4, 2])
    expect(frames.at(-1)?.type).toBe('end-of-rib')
    expect(h.node('pc').routes(h.nowMs)).toHaveLength(10)
    // Two turns waited for the link to drain (the third finished the table).
    expect(h.effects('rr1', 'await-drain').filter((e) => e.peer === 'pc')).toHaveLength(2)
  })

  it('holds later turns until transport-drained, whatever the MRAI', () => {
    const h = lateClient()
    h.heal('rr1', 'pc')
    const updatesToPc = (): number => h.effects('rr1', 'send').filter((e) => e.peer === 'pc' && e.frames.some((f) => f.type === 'update')).length
    // Step until the first turn left rr1 (its drained answer is still on the way).
    for (let i = 0; i < 5000 && updatesToPc() === 0; i++) h.runFor(1)
    expect(updatesToPc()).toBe(1)
    // A new change and an MRAI fire now send nothing to pc: the next turn waits for the link.
    const onUpsert = h.input('pa', { type: 'agent-upsert', agent: agent('late', 'cap-late') })
    expect(onUpsert.length).toBeGreaterThan(0)
    const onMrai = h.input('rr1', { type: 'timer', id: 'mrai:pc' })
    expect(onMrai.filter((e) => e.type === 'send' && e.peer === 'pc')).toEqual([])
    const onDrained = h.input('rr1', { type: 'transport-drained', peer: 'pc' })
    expect(onDrained.some((e) => e.type === 'send' && e.peer === 'pc' && e.frames.some((f) => f.type === 'update'))).toBe(true)
  })

  it('a session that goes down forgets the turn it waited for', () => {
    const h = lateClient()
    h.heal('rr1', 'pc')
    h.runFor(50)
    h.partition('rr1', 'pc')
    h.runFor(10)
    // A drained answer that arrives after the session went down sends nothing.
    const sends = h.effects('rr1', 'send').filter((e) => e.peer === 'pc').length
    h.input('rr1', { type: 'transport-drained', peer: 'pc' })
    expect(h.effects('rr1', 'send').filter((e) => e.peer === 'pc').length).toBe(sends)
  })
})
