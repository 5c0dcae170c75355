import { describe, expect, it } from 'vitest'
import type { Frame } from '../../../agp/codec/frame.ts'
import { signBatchRefresh, type BatchRefresh } from '../../../agp/route/batch-refresh.ts'
import { prepareOrigination, signOriginationBatch } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import { defaultHasher } from '../../../kernel/index.ts'
import { MIN_REFRESH_ROUTES } from '../../../reflector/speaker-batch-refresh.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { agent, reflectorWithTwoClients, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const AGENTS = 200

/** pa (org a) with AGENTS agents, reflected by rr1 to pc; sessions up. */
function federation (): SpeakerHarness {
  const h = reflectorWithTwoClients()
  for (let i = 0; i < AGENTS; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i % 10}`) })
  h.runFor(1000)
  return h
}

const routesOfA = (h: SpeakerHarness, node: string): { id: string, seq: number, state: string }[] =>
  h.node(node).routes(h.nowMs).filter((v) => v.route.attrs.originOrg === 'a')
    .map((v) => ({ id: v.route.attrs.agentId, seq: v.route.attrs.originSeq, state: v.state }))

const updatesTo = (h: SpeakerHarness, node: string, from: string): Extract<Frame, { type: 'update' }>[] =>
  (h.received.get(node) ?? []).filter((r) => r.from === from && r.frame.type === 'update').map((r) => r.frame as Extract<Frame, { type: 'update' }>)

/** pc with the reflector rr1, holding `routes` from rr1 (origin px, org x). */
function holding (routes: readonly Route[]): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pc', org: 'c', role: 'client' }] })
  h.startAll()
  h.runFor(1000)
  h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: routes, withdraws: [] } })
  return h
}

function batchOf (n: number, nowMs: number): Route[] {
  const prepared = Array.from({ length: n }, (_, i) => prepareOrigination(agent(`x${i}`, 'cap'), { org: 'x', originPeerId: 'px', originSeq: 1, nowMs }))
  return signOriginationBatch('x', prepared, fakeSigner('px'), defaultHasher)
}

describe('speaker: batch refresh', () => {
  it('after the first refresh batches them, an origin keeps its routes fresh everywhere with one signed refresh per batch, never advertising them again', () => {
    const h = federation()
    // The agents were added one by one: the first refresh advertises them again, under batch signatures.
    h.runUntil(61_000)
    const batched = routesOfA(h, 'pc')
    expect(batched).toHaveLength(AGENTS)
    const announcesBefore = updatesTo(h, 'pc', 'rr1').reduce((n, u) => n + u.announces.length, 0)
    // Four times maxAgeS (900 s): without refreshes every route would have expired.
    h.runFor(3_600_000)
    const after = routesOfA(h, 'pc')
    expect(after.map((r) => r.state)).toEqual(batched.map(() => 'active'))
    // The same advertisements (sequence numbers) as after the first refresh: nothing was re-sent.
    expect(after.map((r) => [r.id, r.seq])).toEqual(batched.map((r) => [r.id, r.seq]))
    expect(updatesTo(h, 'pc', 'rr1').reduce((n, u) => n + u.announces.length, 0)).toBe(announcesBefore)
    const refreshes = updatesTo(h, 'pc', 'rr1').flatMap((u) => u.refreshes ?? [])
    // 60 refresh periods (120 s … 3,660 s) of ⌈200 / 64⌉ batches, each refresh naming its batch's routes.
    expect(refreshes.length).toBe(60 * 4)
    expect(new Set(refreshes.flatMap((r) => r.agentIds)).size).toBe(AGENTS)
    expect(h.node('pa').counters().refreshesOriginated).toBe(60 * 4)
    expect(h.node('rr1').counters().routesRestamped).toBe(60 * AGENTS)
    expect(h.node('pc').counters().routesRestamped).toBe(60 * AGENTS)
    // One check per refresh per hop.
    expect(h.node('pc').counters().refreshSignaturesVerified).toBe(60 * 4)
  })

  it('a client that connects later gets each route with the refresh that keeps it fresh', () => {
    const h = federation()
    h.partition('pc', 'rr1')
    // Refreshed by batch several times: the routes' own stamps are now older than staleS (300 s).
    h.runUntil(500_000)
    h.heal('pc', 'rr1')
    // Checked as soon as the table is in, before the origin's next refresh (every 60 s) could help.
    while (routesOfA(h, 'pc').length < AGENTS && h.nowMs < 530_000) h.runFor(100)
    expect(h.nowMs).toBeLessThan(530_000)
    const routes = routesOfA(h, 'pc')
    expect(routes).toHaveLength(AGENTS)
    expect(routes.every((r) => r.state === 'active')).toBe(true)
    const pc = h.node('pc').routes(h.nowMs).filter((v) => v.route.attrs.originOrg === 'a')
    expect(pc.every((v) => h.nowMs - v.route.attrs.originatedAtMs > 300_000)).toBe(true)
  })

  it('a reflector passes a refresh on naming only the routes each neighbor was sent', () => {
    const h = new SpeakerHarness()
    const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }
    h.add({ peerId: 'pa', org: 'a', neighbors: [toRr] })
    h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
    h.add({ peerId: 'pd', org: 'd', interests: ['cap-3'], neighbors: [toRr] })
    h.add({
      peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1',
      neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }, { peerId: 'pd', org: 'd', role: 'client' }]
    })
    for (let i = 0; i < AGENTS; i++) h.input('pa', { type: 'agent-upsert', agent: agent(`a${i}`, `cap-${i % 10}`) })
    h.startAll()
    h.runFor(200_000)
    const toPd = updatesTo(h, 'pd', 'rr1').flatMap((u) => u.refreshes ?? [])
    expect(toPd.length).toBeGreaterThan(0)
    const named = new Set(toPd.flatMap((r) => r.agentIds))
    expect([...named].every((id) => Number(id.slice(1)) % 10 === 3)).toBe(true)
    expect(named.size).toBe(AGENTS / 10)
    expect(routesOfA(h, 'pd').every((r) => r.state === 'active')).toBe(true)
  })

  it('a refresh moves a route\'s stamp: fresh past staleS, stale staleS after the refresh', () => {
    const routes = batchOf(MIN_REFRESH_ROUTES, 1000)
    const h = holding(routes)
    h.runUntil(200_000)
    const refresh = signBatchRefresh(fakeSigner('px'), 'x', routes[0]!.signature, routes.map((r) => r.attrs.agentId), 200_000)
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [], withdraws: [], refreshes: [refresh] } })
    const states = (): string[] => h.node('pc').routes(h.nowMs).map((v) => v.state)
    h.runUntil(499_000)
    expect(states().every((s) => s === 'active')).toBe(true)
    h.runUntil(501_000)
    expect(states().every((s) => s === 'stale')).toBe(true)
  })

  it('a refreshed route\'s advertised evidence ages from the refresh, as if advertised again then', () => {
    const winRate = { wins: 90, trials: 100 }
    const batch = (org: string, peer: string): Route[] => signOriginationBatch(org, Array.from({ length: MIN_REFRESH_ROUTES }, (_, i) =>
      prepareOrigination(agent(`${org}${i}`, 'cap', { winRate }), { org, originPeerId: peer, originSeq: 1, nowMs: 1000 })), fakeSigner(peer), defaultHasher)
    const refreshed = batch('x', 'px')
    const h = holding([...refreshed, ...batch('y', 'py')])
    h.runUntil(200_000)
    const refresh = signBatchRefresh(fakeSigner('px'), 'x', refreshed[0]!.signature, refreshed.map((r) => r.attrs.agentId), 200_000)
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [], withdraws: [], refreshes: [refresh] } })
    h.runUntil(250_000)
    const scores = new Map(h.node('pc').resolve({ capability: 'cap', limit: 100 }, h.nowMs)?.candidates.map((c) => [c.view.route.attrs.originOrg, c.score]))
    // The same evidence, 50 s old for x and 249 s old for y (half-life staleS = 300 s).
    expect(scores.get('x')).toBeGreaterThan(scores.get('y') ?? Infinity)
  })

  it('refuses a forged refresh, and ignores a replayed one and one for other signed bytes: their routes go stale on time', () => {
    const routes = batchOf(MIN_REFRESH_ROUTES, 1000)
    const other = batchOf(MIN_REFRESH_ROUTES, 2000)
    const h = holding(routes)
    const ids = routes.map((r) => r.attrs.agentId)
    const send = (refresh: BatchRefresh): void => {
      h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [], withdraws: [], refreshes: [refresh] } })
    }
    h.runUntil(200_000)
    // Signed by another key for px's batch.
    send({ ...signBatchRefresh(fakeSigner('py'), 'x', routes[0]!.signature, ids, 200_000), originPeerId: 'px' })
    // A signature whose time was changed.
    send({ ...signBatchRefresh(fakeSigner('px'), 'x', routes[0]!.signature, ids, 200_000), refreshedAtMs: 250_000 })
    // Genuine, but for another batch of px (other signed bytes) naming these agents.
    send(signBatchRefresh(fakeSigner('px'), 'x', other[0]!.signature, ids, 200_000))
    // Genuine, but older than the routes' own stamp (a replay).
    send(signBatchRefresh(fakeSigner('px'), 'x', routes[0]!.signature, ids, 500))
    const c = h.node('pc').counters()
    expect(c.refreshSignatureInvalid).toBe(2)
    expect(c.signatureInvalid).toBe(0)
    expect(c.refreshesIgnored).toBe(2)
    expect(c.routesRestamped).toBe(0)
    expect(h.effects('pc', 'audit').filter((e) => e.event.detail === 'bad-refresh-signature')).toHaveLength(2)
    h.runUntil(302_000)
    expect(h.node('pc').routes(h.nowMs).map((v) => v.state)).toEqual(routes.map(() => 'stale'))
    // The session stayed up.
    expect(h.isUp('pc', 'rr1')).toBe(true)
  })

  it('a batch whose live routes fell below the minimum is advertised again instead of refreshed', () => {
    const h = federation()
    h.runUntil(61_000)
    // Change all but a few agents of the first batch: each becomes a single advertisement.
    const ids = Array.from({ length: AGENTS }, (_, i) => `a${i}`)
    for (const id of ids.slice(0, 64 - (MIN_REFRESH_ROUTES - 1))) h.input('pa', { type: 'agent-upsert', agent: agent(id, 'changed') })
    const seqs = (): Map<string, number> => new Map(routesOfA(h, 'pc').map((r) => [r.id, r.seq]))
    const before = seqs()
    h.runUntil(121_000)
    const after = seqs()
    const readvertised = ids.filter((id) => after.get(id) !== before.get(id))
    // The changed singles and the thinned batch's last members are advertised again; the other batches are refreshed.
    expect(readvertised).toEqual(ids.slice(0, 64))
    expect(routesOfA(h, 'pc').every((r) => r.state === 'active')).toBe(true)
  })
})
