import { describe, expect, it } from 'vitest'
import type { NeighborConfig } from '../../../reflector/types.ts'
import type { PolicyConfig } from '../../../agp/policy/types.ts'
import { agent, pathsAt, SpeakerHarness, type NodeSpec } from '../../helpers/speaker-harness.ts'

const rr = (peerId = 'rr1'): NeighborConfig => ({ peerId, org: 'fed', role: 'reflector' })
const client = (peerId: string, org: string): NeighborConfig => ({ peerId, org, role: 'client' })

/**
 * acme on three sites: eu and us are both clients of the federation reflector with no
 * session between them; ap sits behind an internal session to eu only. globex is
 * another client; px is a partner of acme's eu site only.
 */
function acmeOnThreeSites (extra: { eu?: Partial<NodeSpec>, us?: Partial<NodeSpec>, px?: Partial<NodeSpec> } = {}): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({
    peerId: 'p-eu', org: 'acme', site: 'eu',
    neighbors: [rr(), { peerId: 'p-ap', org: 'acme', role: 'site' }, { peerId: 'px', org: 'partnerx', role: 'partner' }],
    ...extra.eu
  })
  h.add({ peerId: 'p-us', org: 'acme', site: 'us', neighbors: [rr()], ...extra.us })
  h.add({ peerId: 'p-ap', org: 'acme', site: 'ap', neighbors: [{ peerId: 'p-eu', org: 'acme', role: 'site' }] })
  h.add({ peerId: 'pg', org: 'globex', neighbors: [rr()] })
  h.add({ peerId: 'px', org: 'partnerx', neighbors: [{ peerId: 'p-eu', org: 'acme', role: 'partner' }], ...extra.px })
  h.add({
    peerId: 'rr1', org: 'fed', role: 'reflector', cluster: 'c1',
    neighbors: [client('p-eu', 'acme'), client('p-us', 'acme'), client('pg', 'globex')]
  })
  h.startAll()
  h.runFor(1000)
  h.input('p-eu', { type: 'agent-upsert', agent: agent('rev-eu', 'code-review') })
  h.input('p-us', { type: 'agent-upsert', agent: agent('rev-us', 'code-review') })
  h.input('p-ap', { type: 'agent-upsert', agent: agent('rev-ap', 'code-review') })
  h.input('pg', { type: 'agent-upsert', agent: agent('lint', 'code-review') })
  h.input('px', { type: 'agent-upsert', agent: agent('tr', 'translate') })
  h.runFor(1000)
  return h
}

describe('speaker: several sites of one org', () => {
  it('every site learns the others through the reflector and the internal session; no site loops', () => {
    const h = acmeOnThreeSites()
    const acme = ['acme/ap/rev-ap', 'acme/eu/rev-eu', 'acme/us/rev-us']
    for (const site of ['p-eu', 'p-us', 'p-ap']) {
      expect(pathsAt(h, site)).toEqual(expect.arrayContaining(acme))
    }
    // The reflector saw the same org on both sides and did not drop.
    expect(h.node('rr1').counters().loopsDropped).toBe(0)
    // Another org sees all three as acme's paths, each with its origin site.
    expect(pathsAt(h, 'pg')).toEqual([...acme, 'globex/globex/lint'])
    const viaEu = h.node('pg').routes(h.nowMs).find((v) => v.route.attrs.agentId === 'rev-ap')
    expect(viaEu?.route.orgPath).toEqual(['acme'])
    // ap's route crossed eu inside acme, then the reflector: eu is on its site path.
    expect(viaEu?.route.sitePath).toEqual(['eu'])
  })

  it('a partner of one site gets what partners of acme get: acme\'s routes from every site, nothing learned from the federation', () => {
    const h = acmeOnThreeSites()
    expect(pathsAt(h, 'px')).toEqual(['acme/ap/rev-ap', 'acme/eu/rev-eu', 'acme/us/rev-us', 'partnerx/partnerx/tr'])
    for (const v of h.node('px').routes(h.nowMs)) if (v.route.attrs.originOrg === 'acme') expect(v.route.orgPath).toEqual(['acme'])
    // The partner's own routes reach every acme site, and not the federation.
    expect(pathsAt(h, 'p-ap')).toContain('partnerx/partnerx/tr')
    expect(pathsAt(h, 'pg')).not.toContain('partnerx/partnerx/tr')
  })

  it('explicit export rules open either direction', () => {
    const toPartner: PolicyConfig = { import: [], export: [{ name: 'federation-to-px', learnedFromRole: ['reflector'], neighborOrg: ['partnerx'], action: 'accept' }] }
    const intoFederation: PolicyConfig = { import: [], export: [{ name: 'px-into-federation', learnedFromRole: ['partner'], neighborRole: ['reflector'], action: 'accept' }] }
    const open1 = acmeOnThreeSites({ eu: { policy: toPartner } })
    expect(pathsAt(open1, 'px')).toContain('globex/globex/lint')
    const open2 = acmeOnThreeSites({ eu: { policy: intoFederation } })
    const tr = open2.node('pg').routes(open2.nowMs).find((v) => v.route.attrs.agentId === 'tr')
    expect(tr?.route.orgPath).toEqual(['acme', 'partnerx'])
  })

  it('federation-only never reaches a partner, even from its origin', () => {
    const h = acmeOnThreeSites()
    h.input('p-us', { type: 'agent-upsert', agent: agent('secret', 'summarize', { tags: ['federation-only'] }) })
    h.input('p-eu', { type: 'agent-upsert', agent: agent('secret-eu', 'summarize', { tags: ['federation-only'] }) })
    h.runFor(1000)
    expect(pathsAt(h, 'pg')).toEqual(expect.arrayContaining(['acme/us/secret', 'acme/eu/secret-eu']))
    expect(pathsAt(h, 'px').filter((p) => p.includes('secret'))).toEqual([])
  })

  it('drops a route whose site path holds our site, never one only because its org is ours', () => {
    const h = acmeOnThreeSites()
    const us = h.node('p-us').routes(h.nowMs).find((v) => v.route.attrs.agentId === 'rev-eu')
    expect(us).toBeDefined()
    const looped = { ...us!.route, sitePath: ['ap', 'us'] }
    const before = h.node('p-eu').counters().loopsDropped
    h.input('p-eu', { type: 'frame', peer: 'p-ap', frame: { type: 'update', announces: [{ ...us!.route, attrs: { ...us!.route.attrs } }], withdraws: [] } })
    expect(h.node('p-eu').counters().loopsDropped).toBe(before + 1) // its own site (implied origin site)
    h.input('p-us', { type: 'frame', peer: 'rr1', frame: { type: 'update', announces: [looped], withdraws: [] } })
    expect(h.effects('p-us', 'audit').some((e) => e.event.detail === 'site-path-loop')).toBe(true)
  })

  it('resolves nearest site first, then the other sites by cost, then other orgs', () => {
    const h = acmeOnThreeSites({ us: { sitePreference: { ap: 5, eu: 10 } } })
    const res = h.node('p-us').resolve({ capability: 'code-review' }, h.nowMs)
    expect(res?.candidates.map((c) => c.view.route.attrs.agentId)).toEqual(['rev-us', 'rev-ap', 'rev-eu', 'lint'])
    expect(res?.candidates.slice(1).map((c) => c.reason)).toEqual(['nearest-site-first', 'nearest-site-first', 'nearest-site-first'])
    // Without a preference the step is off: the reflector-facing global order decides.
    const off = h.node('p-eu').resolve({ capability: 'code-review' }, h.nowMs)
    expect(off?.candidates.every((c) => c.reason !== 'nearest-site-first')).toBe(true)
  })

  it('shows each neighbor\'s site, and refuses an internal session announcing our own site', () => {
    const h = acmeOnThreeSites()
    expect(h.node('p-eu').peers().map((p) => p.site)).toEqual(['fed', 'ap', 'partnerx'])
    const clash = new SpeakerHarness()
    clash.add({ peerId: 'a1', org: 'acme', site: 'eu', neighbors: [{ peerId: 'a2', org: 'acme', role: 'site' }] })
    clash.add({ peerId: 'a2', org: 'acme', site: 'eu', neighbors: [{ peerId: 'a1', org: 'acme', role: 'site' }] })
    clash.startAll()
    clash.runFor(1000)
    expect(clash.node('a1').peers()[0]?.state).not.toBe('established')
    expect(clash.node('a1').peers()[0]?.lastError ?? clash.node('a2').peers()[0]?.lastError).toMatch(/our own site eu/)
  })
})

describe('speaker: route leaks by default (RFC 9234)', () => {
  it('a single-site client with a partner keeps the federation\'s routes from that partner', () => {
    const h = new SpeakerHarness()
    h.add({ peerId: 'pa', org: 'acme', neighbors: [rr(), { peerId: 'px', org: 'partnerx', role: 'partner' }] })
    h.add({ peerId: 'pg', org: 'globex', neighbors: [rr()] })
    h.add({ peerId: 'px', org: 'partnerx', neighbors: [{ peerId: 'pa', org: 'acme', role: 'partner' }] })
    h.add({ peerId: 'rr1', org: 'fed', role: 'reflector', cluster: 'c1', neighbors: [client('pa', 'acme'), client('pg', 'globex')] })
    h.startAll()
    h.runFor(1000)
    h.input('pa', { type: 'agent-upsert', agent: agent('rev', 'code-review') })
    h.input('pg', { type: 'agent-upsert', agent: agent('lint', 'code-review') })
    h.runFor(1000)
    expect(pathsAt(h, 'pa')).toEqual(['acme/acme/rev', 'globex/globex/lint'])
    expect(pathsAt(h, 'px')).toEqual(['acme/acme/rev'])
  })
})
