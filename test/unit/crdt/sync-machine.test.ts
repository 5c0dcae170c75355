// The sync machine without a network or a clock: inputs and nowMs in, effects out.
import { describe, expect, it } from 'vitest'
import type { SyncMessage } from '../../../crdt/codec/sync-codec.ts'
import type { Envelope } from '../../../crdt/envelope.ts'
import type { Replica } from '../../../crdt/replica.ts'
import { MemoryBoundError, MemoryDecodeError } from '../../../crdt/errors.ts'
import { packEnvelopes } from '../../../crdt/sync/pack-envelopes.ts'
import { MAX_QUEUED_BEFORE_PAUSE_BYTES, SyncMachine } from '../../../crdt/sync/sync-machine.ts'
import { dropReasonOf } from '../../../crdt/sync/sync-types.ts'
import type { SyncEffect, SyncInput, SyncNeighbor } from '../../../crdt/sync/sync-types.ts'
import { NS, putAndSeal, readerReplica, writerReplica } from '../../helpers/memory-fixtures.ts'

/** A machine over one replica; `deliver` is applied to it and a parked result fed back, as a driver does. */
function harness (replica: Replica, neighbor: Partial<SyncNeighbor> = {}, selfRole: 'peer' | 'reflector' = 'peer') {
  const machine = new SyncMachine({ neighbor: { peerId: 'peer-globex', org: 'globex', role: 'partner', ...neighbor }, selfRole, replicas: new Map([[NS.id, replica]]) })
  const effects: SyncEffect[] = []
  let now = 0
  const step = (input: SyncInput): SyncEffect[] => {
    const out = machine.handle(input, now)
    effects.push(...out)
    for (const e of out) {
      if (e.type !== 'deliver') continue
      if (e.envelopes.map((x) => replica.receive(x, now)).some((r) => r.status === 'parked')) step({ type: 'parked', namespace: e.namespace })
    }
    return out
  }
  const sent = (): SyncMessage[] => effects.flatMap((e) => (e.type === 'send' ? e.messages : []))
  const carried = (): Envelope[] => sent().flatMap((m) => (m.type === 'envelopes' ? m.envelopes : []))
  const up = (): void => { step({ type: 'start' }); step({ type: 'output-up' }) }
  return { machine, step, effects, sent, carried, up, setNow: (ms: number) => { now = ms } }
}

const want = (vector: Map<string, number> = new Map()): SyncInput => ({ type: 'message', message: { type: 'want', namespace: NS.id, vector } })

describe('SyncMachine', () => {
  it('announces our vector when our stream opens and answers hello with the envelopes the neighbor lacks', () => {
    const acme = writerReplica('acme')
    const es = [putAndSeal(acme, 'a', 1), putAndSeal(acme, 'b', 2)]
    const h = harness(acme)
    expect(h.step({ type: 'start' })).toEqual([{ type: 'dial' }])
    h.step({ type: 'output-up' })
    expect(h.sent()[0]).toEqual({ type: 'hello', namespaces: [{ namespace: NS.id, vector: acme.versionVector() }] })
    h.step({ type: 'message', message: { type: 'hello', namespaces: [{ namespace: NS.id, vector: new Map() }] } })
    expect(h.sent()[1]).toEqual({ type: 'envelopes', envelopes: es })
  })

  it('a non-member neighbor gets neither hello entries nor envelopes; a reflector neighbor does', () => {
    const acme = writerReplica('acme')
    putAndSeal(acme, 'a', 1)
    const outsider = harness(acme, { org: 'umbrella' })
    outsider.up()
    outsider.step(want())
    outsider.step({ type: 'push', namespace: NS.id, envelopes: acme.missingFor(new Map()), from: undefined })
    expect(outsider.sent()).toEqual([{ type: 'hello', namespaces: [] }])

    const rr = harness(acme, { org: 'fed-ops', role: 'reflector' })
    rr.up()
    rr.step({ type: 'push', namespace: NS.id, envelopes: acme.missingFor(new Map()), from: undefined })
    expect(rr.sent().map((m) => m.type)).toEqual(['hello', 'envelopes'])
    // At a reflector, a peer reflector relays too; a peer org of a peer does not.
    expect(harness(acme, { org: 'fed-ops', role: 'peer' }, 'reflector').machine.mayReceive(NS.id)).toBe(true)
    expect(harness(acme, { org: 'fed-ops', role: 'peer' }, 'peer').machine.mayReceive(NS.id)).toBe(false)
  })

  it('never pushes an envelope back to the neighbor it came from, nor while our stream is down', () => {
    const acme = writerReplica('acme')
    const h = harness(acme)
    h.step({ type: 'push', namespace: NS.id, envelopes: [putAndSeal(acme, 'a', 1)], from: undefined })
    h.up()
    h.step({ type: 'push', namespace: NS.id, envelopes: [putAndSeal(acme, 'b', 1)], from: 'peer-globex' })
    expect(h.sent().map((m) => m.type)).toEqual(['hello'])
  })

  it('delivers received envelopes; a gap parks and sends want at most once a second', () => {
    const globex = writerReplica('globex', { peerId: 'peer-globex' })
    const [e1, e2, e3] = [putAndSeal(globex, 'k', 1), putAndSeal(globex, 'k', 2), putAndSeal(globex, 'k', 3)] as Envelope[]
    const mine = readerReplica()
    const h = harness(mine)
    h.up()
    const envelopes = (e: Envelope): SyncInput => ({ type: 'message', message: { type: 'envelopes', envelopes: [e] } })
    expect(h.step(envelopes(e2 as Envelope))).toEqual([{ type: 'deliver', namespace: NS.id, envelopes: [e2] }])
    h.step(envelopes(e3 as Envelope))
    expect(h.sent().filter((m) => m.type === 'want')).toHaveLength(1)
    h.setNow(1000)
    h.step(envelopes(e3 as Envelope))
    expect(h.sent().filter((m) => m.type === 'want')).toHaveLength(1) // e3 is already parked: a duplicate, not a gap
    h.step({ type: 'parked', namespace: NS.id })
    expect(h.sent().filter((m) => m.type === 'want')).toHaveLength(2)
    h.step(envelopes(e1 as Envelope))
    expect(mine.entries()).toEqual({ k: 3 })
    expect(h.machine.counters).toMatchObject({ received: 4, wants: 2 })
  })

  it('counts undecodable messages by reason', () => {
    const h = harness(readerReplica())
    for (const reason of ['oversize', 'oversize', 'malformed'] as const) expect(h.step({ type: 'bad-message', reason })).toEqual([])
    expect(h.machine.dropped).toEqual({ oversize: 2, malformed: 1 })
    expect(h.machine.counters.decodeErrors).toBe(3)
  })

  it('dropReasonOf: bounds are oversize, the rest malformed, decided by class, never by message text', () => {
    expect(dropReasonOf(new MemoryBoundError('update length out of range (262145 > 262144)'))).toBe('oversize')
    expect(dropReasonOf(new MemoryBoundError('sync message: 1048577 bytes exceeds limit 1048576'))).toBe('oversize')
    expect(dropReasonOf(new MemoryDecodeError('truncated before version'))).toBe('malformed')
    // The same words in an error of another class say nothing about a bound.
    expect(dropReasonOf(new Error('update length out of range (262145 > 262144)'))).toBe('malformed')
    expect(dropReasonOf('not an error')).toBe('malformed')
  })

  it('packEnvelopes bounds messages by count', () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 5 }, (_, i) => putAndSeal(acme, 'k', i))
    expect(packEnvelopes(es, 2).map((b) => b.length)).toEqual([2, 2, 1])
    expect(packEnvelopes([], 2)).toEqual([])
  })

  it('serves repeated wants incrementally: a burst costs the history once, not once per want', () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 30 }, (_, i) => putAndSeal(acme, `k${i}`, i))
    const h = harness(acme)
    h.up()
    for (let i = 0; i < 400; i++) h.step(want())
    expect(h.carried()).toEqual(es)
    // A new envelope: the next want sends just that one.
    const e31 = putAndSeal(acme, 'k31', 31)
    h.step(want())
    expect(h.carried().slice(es.length)).toEqual([e31])
    // They really lack it all (a want behind what was carried), a minute later: sent again once.
    h.setNow(60_000)
    h.step(want())
    h.step(want())
    expect(h.carried().length).toBe(2 * es.length + 2)
  })

  it('a new output stream starts over from hello', () => {
    const acme = writerReplica('acme')
    const es = Array.from({ length: 4 }, (_, i) => putAndSeal(acme, `k${i}`, i))
    const h = harness(acme)
    h.up()
    h.step(want())
    h.step({ type: 'output-down', reason: 'reset' })
    h.step({ type: 'timer' })
    const before = h.carried().length
    h.step({ type: 'output-up' })
    h.step(want())
    expect(h.carried().slice(before)).toEqual(es)
  })

  it('paces a large history: waits for the stream to drain past 1 MiB, folds wants meanwhile, drops the pass with its stream', () => {
    const acme = writerReplica('acme')
    const big = 'x'.repeat(60 * 1024)
    const es = Array.from({ length: 40 }, (_, i) => putAndSeal(acme, `k${i}`, big)) // ~2.4 MB
    const h = harness(acme, {}, 'peer')
    h.up()
    h.step(want())
    expect(h.effects.at(-1)).toEqual({ type: 'await-drain' })
    const firstTurn = h.carried().length
    expect(firstTurn).toBeGreaterThan(0)
    expect(firstTurn).toBeLessThan(es.length)
    h.step(want()) // folded into the next pass
    expect(h.machine.counters.wantsCoalesced).toBe(1)
    expect(h.step(want()).filter((e) => e.type === 'await-drain')).toEqual([]) // one wait at a time
    while (h.carried().length < es.length) h.step({ type: 'drained', queuedBytes: MAX_QUEUED_BEFORE_PAUSE_BYTES / 2 })
    expect(h.carried()).toEqual(es)
    // The folded want found everything carried: nothing more.
    h.step({ type: 'drained', queuedBytes: 0 })
    expect(h.carried()).toEqual(es)

    // A pass cut by its stream is not resumed on the next one; the next one starts from hello.
    const h2 = harness(acme)
    h2.up()
    h2.step(want())
    const cut = h2.carried().length
    h2.step({ type: 'output-down', reason: 'reset' })
    h2.step({ type: 'drained', queuedBytes: 0 })
    expect(h2.carried().length).toBe(cut)
  })

  it('redials with a doubling delay from 500 ms, capped, reset once the stream is up', () => {
    const h = harness(readerReplica())
    const timers = (): number[] => h.effects.flatMap((e) => (e.type === 'set-timer' ? [e.atMs] : []))
    h.step({ type: 'start' })
    for (let i = 0; i < 8; i++) {
      expect(h.machine.link).toBe('dialing')
      h.step({ type: 'output-down', reason: 'refused' })
      expect(h.machine.link).toBe('waiting')
      expect(h.step({ type: 'timer' })).toEqual([{ type: 'dial' }])
    }
    expect(timers()).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
    expect(h.effects.find((e) => e.type === 'output-lost')).toEqual({ type: 'output-lost', reason: 'refused', retryMs: 500 })
    h.step({ type: 'output-up' })
    h.setNow(100_000)
    h.step({ type: 'output-down', reason: 'reset' })
    expect(timers().at(-1)).toBe(100_500)
  })

  it('their stream opening while ours waits redials at once; stop ends redialing', () => {
    const h = harness(readerReplica())
    h.step({ type: 'start' })
    expect(h.step({ type: 'input-up' })).toEqual([]) // a dial is already out
    h.step({ type: 'output-down', reason: 'refused' })
    expect(h.step({ type: 'input-up' })).toEqual([{ type: 'clear-timer' }, { type: 'dial' }])
    h.step({ type: 'output-up' })
    expect(h.step({ type: 'input-up' })).toEqual([])
    h.step({ type: 'stop' })
    expect(h.step({ type: 'output-down', reason: 'closed' })).toEqual([])
    expect(h.step({ type: 'timer' })).toEqual([])
    expect(h.step({ type: 'input-up' })).toEqual([])
    expect(h.machine.link).toBe('idle')
  })

  it('a hello that arrives before our stream is up is answered once it is', () => {
    const acme = writerReplica('acme')
    const es = [putAndSeal(acme, 'a', 1)]
    const h = harness(acme)
    h.step({ type: 'start' })
    h.step({ type: 'message', message: { type: 'hello', namespaces: [{ namespace: NS.id, vector: new Map() }] } })
    expect(h.sent()).toEqual([])
    h.step({ type: 'output-up' })
    expect(h.carried()).toEqual(es)
  })
})
