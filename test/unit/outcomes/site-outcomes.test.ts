import type { Libp2p } from 'libp2p'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Outcome, PeerView } from '../../../reflector/index.ts'
import { OutcomeSharing } from '../../../daemon/outcomes/outcome-sharing.ts'
import { shareTargets } from '../../../daemon/outcomes/site-relay.ts'
import {
  decodeSiteOutcomes, encodeSiteOutcomes, MAX_MESSAGE_BYTES, MAX_RELAY_HOPS, type SiteOutcomeMessage
} from '../../../daemon/outcomes/site-outcome-message.ts'
import { TokenBucket } from '../../../daemon/outcomes/token-bucket.ts'

const fail: Outcome = { org: 'globex', agent: 't1', capability: 'translate', success: false, latencyMs: 900 }
const message = (over: Partial<SiteOutcomeMessage> = {}): SiteOutcomeMessage => ({ v: 1, originSite: 'eu', batch: 'b1', hops: 0, outcomes: [fail], ...over })
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('site outcome messages', () => {
  it('round-trips a message', () => {
    expect(decodeSiteOutcomes(encodeSiteOutcomes(message()))).toEqual({ ok: true, message: message() })
  })

  it('refuses, without throwing, what POST /v1/outcomes refuses and every malformed message', () => {
    const bad: unknown[] = [
      { ...message(), outcomes: [{ ...fail, latencyMs: -1 }] },
      { ...message(), outcomes: [{ ...fail, org: 'Not An Org' }] },
      { ...message(), outcomes: [{ ...fail, capability: 'bad//cap' }] },
      { ...message(), outcomes: [{ ...fail, extra: 1 }] },
      { ...message(), outcomes: [] },
      { ...message(), outcomes: Array.from({ length: 257 }, () => fail) },
      { ...message(), hops: MAX_RELAY_HOPS + 1 },
      { ...message(), originSite: 'EU' },
      { ...message(), v: 2 },
      { ...message(), batch: '' },
      'not a message'
    ]
    for (const b of bad) expect(decodeSiteOutcomes(bytes(b)).ok, JSON.stringify(b).slice(0, 80)).toBe(false)
    expect(decodeSiteOutcomes(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, error: 'not UTF-8 JSON' })
    expect(decodeSiteOutcomes(new Uint8Array(MAX_MESSAGE_BYTES + 1)).ok).toBe(false)
  })
})

describe('where shared outcomes go inside an org (RFC 4456 rules)', () => {
  const neighbors = [
    { peerId: 'mesh', role: 'site' as const },
    { peerId: 'rr', role: 'site-reflector' as const },
    { peerId: 'c1', role: 'site-client' as const },
    { peerId: 'c2', role: 'site-client' as const },
    { peerId: 'fed', role: 'reflector' as const },
    { peerId: 'px', role: 'partner' as const }
  ]
  it('own outcomes go to every internal neighbor and never outside the org', () => {
    expect(shareTargets(neighbors)).toEqual(['mesh', 'rr', 'c1', 'c2'])
  })
  it('a client\'s outcomes are relayed to every other internal neighbor', () => {
    expect(shareTargets(neighbors, { peerId: 'c1', role: 'site-client' })).toEqual(['mesh', 'rr', 'c2'])
  })
  it('a non-client\'s outcomes are relayed to clients only (a full mesh never relays)', () => {
    expect(shareTargets(neighbors, { peerId: 'mesh', role: 'site' })).toEqual(['c1', 'c2'])
    expect(shareTargets(neighbors, { peerId: 'rr', role: 'site-reflector' })).toEqual(['c1', 'c2'])
    expect(shareTargets(neighbors.filter((n) => n.role !== 'site-client'), { peerId: 'mesh', role: 'site' })).toEqual([])
  })
})

describe('token bucket', () => {
  it('gives at most the burst at once, then the rate', () => {
    const b = new TokenBucket(10, 10, 0)
    expect(b.take(25, 0)).toBe(10)
    expect(b.take(25, 500)).toBe(5)
    expect(b.take(25, 10_000)).toBe(10)
  })
})

/** A sharing node with fake sessions, clock and delivery: no libp2p, no real time. */
function node (peers: PeerView[], known: (o: Outcome) => boolean = () => true) {
  const clock = { ms: 0, nowMs () { return this.ms } }
  const recorded: Outcome[] = []
  const sent: Array<{ peer: string, message: SiteOutcomeMessage }> = []
  const sharing = new OutcomeSharing({
    libp2p: undefined as unknown as Libp2p,
    clock,
    logger: pino({ level: 'silent' }),
    peers: () => peers,
    record: async (o) => { if (!known(o)) return false; recorded.push(o); return true },
    write: async (peer, m) => { sent.push({ peer, message: m }) }
  }, { org: 'acme', site: 'ap', maxPerS: 5 })
  return { sharing, clock, recorded, sent }
}

const peer = (peerId: string, role: PeerView['role'], state: PeerView['state'] = 'established', org = 'acme'): PeerView =>
  ({ peerId, org, role, state, routesReceived: 0, routesSent: 0, interests: [] })

describe('outcome sharing', () => {
  it('sends own outcomes, a flush at a time, to established internal neighbors only', async () => {
    const n = node([peer('eu', 'site'), peer('us', 'site', 'open-sent'), peer('fed', 'reflector'), peer('px', 'partner', 'established', 'partnerx')])
    for (let i = 0; i < 7; i++) n.sharing.offer(fail)
    n.sharing.flush()
    await Promise.resolve()
    expect(n.sent.map((s) => [s.peer, s.message.outcomes.length, s.message.originSite])).toEqual([['eu', 5, 'ap']])
    n.clock.ms = 1000
    n.sharing.flush()
    await Promise.resolve()
    expect(n.sent.map((s) => s.message.outcomes.length)).toEqual([5, 2])
  })

  it('bounds what waits: past a few seconds\' worth, own outcomes are dropped and counted', () => {
    const n = node([peer('eu', 'site')])
    for (let i = 0; i < 100; i++) n.sharing.offer(fail)
    expect(n.sharing.counts.get('out|dropped:queue-full')).toBe(75)
  })

  it('records what it takes, counts paths it does not know, and never records past the rate', async () => {
    const n = node([peer('eu', 'site')], (o) => o.agent !== 'unknown')
    const from = { peerId: 'eu', role: 'site' as const }
    await n.sharing.receive(from, message({ outcomes: [fail, { ...fail, agent: 'unknown' }] }))
    expect(n.recorded).toEqual([fail])
    expect(n.sharing.counts.get('in|unknown-path')).toBe(1)
    await n.sharing.receive(from, message({ batch: 'b2', outcomes: Array.from({ length: 10 }, () => fail) }))
    expect(n.recorded).toHaveLength(4) // 5 a second: 2 taken before, 3 now
    expect(n.sharing.counts.get('in|dropped:rate')).toBe(7)
  })

  it('drops a batch seen before and one of its own site (a relay loop)', async () => {
    const n = node([peer('eu', 'site')])
    const from = { peerId: 'eu', role: 'site' as const }
    await n.sharing.receive(from, message())
    await n.sharing.receive(from, message())
    await n.sharing.receive(from, message({ originSite: 'ap', batch: 'b9' }))
    expect(n.recorded).toHaveLength(1)
    expect(n.sharing.counts.get('in|dropped:duplicate')).toBe(1)
    expect(n.sharing.counts.get('in|dropped:own-site')).toBe(1)
  })

  it('relays a client\'s outcomes to its other clients with one hop more, up to the hop bound', async () => {
    const n = node([peer('c1', 'site-client'), peer('c2', 'site-client'), peer('eu', 'site')])
    await n.sharing.receive({ peerId: 'c1', role: 'site-client' }, message({ originSite: 'c1site' }))
    await Promise.resolve()
    expect(n.sent.map((s) => [s.peer, s.message.hops, s.message.originSite])).toEqual([['c2', 1, 'c1site'], ['eu', 1, 'c1site']])
    await n.sharing.receive({ peerId: 'c1', role: 'site-client' }, message({ originSite: 'c1site', batch: 'b2', hops: MAX_RELAY_HOPS }))
    expect(n.sent).toHaveLength(2)
  })
})
