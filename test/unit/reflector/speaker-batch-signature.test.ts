import { describe, expect, it } from 'vitest'
import { defaultHasher } from '../../../agp/route/batch-signature.ts'
import { ORIGIN_BATCH_ROUTES, prepareOrigination, signOriginationBatch } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import type { SpeakerSnapshot } from '../../../reflector/types.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { agent, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const AGENTS = ORIGIN_BATCH_ROUTES + 6

function snapshotWith (n: number): SpeakerSnapshot {
  return { localAgents: Array.from({ length: n }, (_, i) => agent(`a${i}`, `cap-${i % 5}`)), adjRibIn: [], damping: [], originSeq: 0 }
}

/** origin → reflector → client, over the wire codec (frames encoded and decoded). */
function chain (): SpeakerHarness {
  const h = new SpeakerHarness({ wire: true })
  h.add({ peerId: 'po', org: 'o', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] }, snapshotWith(AGENTS))
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'po', org: 'o', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
  h.startAll()
  h.runFor(2000)
  return h
}

/** A client 'pc' of reflector 'rr1', established; tests feed pc frames as if from rr1. */
function clientOfReflector (): SpeakerHarness {
  const h = new SpeakerHarness({ wire: true })
  h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'rr1', org: 'rr', role: 'reflector' }] })
  h.add({ peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'pc', org: 'c', role: 'client' }] })
  h.startAll()
  h.runFor(1000)
  return h
}

function signedBatch (peerId: string, seq: number, n: number): Route[] {
  const prepared = Array.from({ length: n }, (_, i) => prepareOrigination(agent(`b${i}`, 'cap'), { org: 'x', originPeerId: peerId, originSeq: seq + i, nowMs: 0 }))
  return signOriginationBatch('x', prepared, fakeSigner(peerId), defaultHasher)
}

describe('speaker: batch origin signatures', () => {
  it('a start originates in batches; every hop checks every route, with one signature check per batch', () => {
    const h = chain()
    const atClient = h.node('pc').routes(h.nowMs)
    expect(atClient).toHaveLength(AGENTS)
    expect(atClient.filter((r) => r.route.batch !== undefined)).toHaveLength(AGENTS)
    for (const node of ['rr1', 'pc']) {
      const c = h.node(node).counters()
      expect(c.signatureVerified).toBe(AGENTS)
      expect(c.signatureInvalid).toBe(0)
      expect(c.batchRootsVerified).toBe(2)
    }
    // The reflector forwards the proof unchanged: the client holds the origin's bytes.
    const atOrigin = new Map(h.node('po').routes(h.nowMs).map((r) => [r.route.attrs.agentId, r.route]))
    for (const r of atClient) {
      const own = atOrigin.get(r.route.attrs.agentId)!
      expect(r.route.batch).toEqual(own.batch)
      expect(r.route.signature).toEqual(own.signature)
    }
  })

  it('a single agent change stays one route under one signature over its attrs', () => {
    const h = chain()
    h.input('po', { type: 'agent-upsert', agent: agent('solo', 'cap-solo') })
    h.runFor(2000)
    const solo = h.node('pc').routes(h.nowMs).find((r) => r.route.attrs.agentId === 'solo')
    expect(solo?.route.batch).toBeUndefined()
    expect(h.node('pc').counters().signatureVerified).toBe(AGENTS + 1)
  })

  it('replay: an older batch re-sent after a newer one is ignored (sequence rule), the newer state stays', () => {
    const h = clientOfReflector()
    const older = signedBatch('px', 1, 4)
    const newer = signedBatch('px', 100, 4)
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: newer, withdraws: [] } })
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: older, withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs).map((r) => r.route.attrs.originSeq).sort((a, b) => a - b)).toEqual([100, 101, 102, 103])
    expect(h.node('pc').counters().staleSeqIgnored).toBe(4)
  })

  it('forgery and mix-and-match are refused per route (treat-as-withdraw), the session stays up', () => {
    const h = clientOfReflector()
    const a = signedBatch('px', 1, 4)
    const b = signedBatch('px', 100, 4)
    const forged = a[0]!.attrsBytes.slice()
    forged[forged.length - 1]! ^= 1
    const bad: Route[] = [
      { ...a[0]!, attrsBytes: forged },
      { ...a[1]!, signature: b[1]!.signature },
      { ...a[2]!, batch: a[3]!.batch! }
    ]
    h.input('pc', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [...bad, a[3]!], withdraws: [] } })
    expect(h.node('pc').routes(h.nowMs).map((r) => r.route.attrs.agentId)).toEqual(['b3'])
    expect(h.node('pc').counters().signatureInvalid).toBe(3)
    const details = h.effects('pc', 'audit').filter((e) => e.event.kind === 'signature-invalid').map((e) => e.event.detail)
    expect(details).toEqual(['bad-batch-root', 'bad-batch-root', 'bad-batch-root'])
    expect(h.node('pc').peers()[0]?.state).toBe('established')
  })
})
