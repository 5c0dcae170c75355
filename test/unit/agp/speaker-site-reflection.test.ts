import { describe, expect, it } from 'vitest'
import { crossedSite } from '../../../agp/route/site.ts'
import type { NeighborConfig } from '../../../reflector/types.ts'
import { agent, pathsAt, SpeakerHarness } from '../../helpers/speaker-harness.ts'

const siteClient = (peerId: string): NeighborConfig => ({ peerId, org: 'acme', role: 'site-client' })
const siteReflector = (peerId: string): NeighborConfig => ({ peerId, org: 'acme', role: 'site-reflector' })

/**
 * acme's own reflection inside the org: two site reflectors (hub1, hub2, a site session
 * between them) each reflecting for the site clients eu and us, which have no session
 * with each other. eu also has a partner (px); us is a client of the federation's
 * reflector, where globex is another client.
 */
function acmeWithSiteReflectors (): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({ peerId: 'hub1', org: 'acme', site: 'hub1', neighbors: [siteClient('eu'), siteClient('us'), { peerId: 'hub2', org: 'acme', role: 'site' }] })
  h.add({ peerId: 'hub2', org: 'acme', site: 'hub2', neighbors: [siteClient('eu'), siteClient('us'), { peerId: 'hub1', org: 'acme', role: 'site' }] })
  h.add({ peerId: 'eu', org: 'acme', site: 'eu', neighbors: [siteReflector('hub1'), siteReflector('hub2'), { peerId: 'px', org: 'partnerx', role: 'partner' }] })
  h.add({ peerId: 'us', org: 'acme', site: 'us', neighbors: [siteReflector('hub1'), siteReflector('hub2'), { peerId: 'rr1', org: 'fed', role: 'reflector' }] })
  h.add({ peerId: 'px', org: 'partnerx', neighbors: [{ peerId: 'eu', org: 'acme', role: 'partner' }] })
  h.add({ peerId: 'rr1', org: 'fed', role: 'reflector', cluster: 'c1', neighbors: [{ peerId: 'us', org: 'acme', role: 'client' }, { peerId: 'pg', org: 'globex', role: 'client' }] })
  h.add({ peerId: 'pg', org: 'globex', neighbors: [{ peerId: 'rr1', org: 'fed', role: 'reflector' }] })
  h.startAll()
  h.runFor(1000)
  const agents = [['eu', 'rev-eu', 'code-review'], ['us', 'rev-us', 'code-review'], ['pg', 'lint', 'code-review'], ['px', 'tr', 'translate']] as const
  for (const [node, id, capability] of agents) h.input(node, { type: 'agent-upsert', agent: agent(id, capability) })
  h.runFor(1000)
  return h
}

describe('speaker: reflection inside an org (site-reflector / site-client)', () => {
  it('site clients with no session between them learn each other\'s routes through the site reflectors', () => {
    const h = acmeWithSiteReflectors()
    for (const node of ['hub1', 'hub2', 'eu', 'us']) {
      expect(h.node(node).peers().every((p) => p.state === 'established')).toBe(true)
    }
    expect(pathsAt(h, 'eu')).toEqual(expect.arrayContaining(['acme/us/rev-us']))
    expect(pathsAt(h, 'us')).toEqual(expect.arrayContaining(['acme/eu/rev-eu']))
    // Reflected inside the org: the org path is acme's alone, the site path names the reflector.
    const atUs = h.node('us').routes(h.nowMs).filter((v) => v.route.attrs.agentId === 'rev-eu')
    expect(atUs.length).toBeGreaterThan(0)
    for (const v of atUs) {
      expect(v.route.orgPath).toEqual(['acme'])
      expect(['hub1', 'hub2']).toContain(v.route.sitePath[0])
    }
    // The federation learns eu's agent from us, as one of acme's paths.
    expect(pathsAt(h, 'pg')).toEqual(['acme/eu/rev-eu', 'acme/us/rev-us', 'globex/globex/lint'])
  })

  it('holds no route whose path crossed the receiver\'s (org, site), and drops one that arrives', () => {
    const h = acmeWithSiteReflectors()
    for (const node of ['hub1', 'hub2', 'eu', 'us']) {
      const spec = h.specs.get(node)!
      for (const v of h.node(node).routes(h.nowMs)) {
        if (v.fromPeer === '') continue
        expect(crossedSite(v.route, spec.org, spec.site ?? spec.org), `${node} ${v.fromPeer} ${v.route.attrs.agentId} ${v.route.orgPath.join(',')} ${v.route.sitePath.join(',')}`).toBe(false)
      }
    }
    // eu's route, reflected back to eu by a site reflector: a loop on (acme, eu).
    const reflected = h.node('us').routes(h.nowMs).find((v) => v.route.attrs.agentId === 'rev-eu')!
    const before = h.node('eu').counters().loopsDropped
    h.input('eu', { type: 'frame', peer: 'hub2', frame: { type: 'update', announces: [{ ...reflected.route, sitePath: ['hub2', 'hub1'] }], withdraws: [] } })
    expect(h.node('eu').counters().loopsDropped).toBe(before + 1)
    // The same org on both sides of a site session is never a loop by itself: hub1 and hub2 hold both sites' routes.
    for (const hub of ['hub1', 'hub2']) expect(pathsAt(h, hub)).toEqual(['acme/eu/rev-eu', 'acme/us/rev-us', 'globex/globex/lint', 'partnerx/partnerx/tr'])
  })

  it('a partner of one site gets what partners of acme get: every site\'s own routes, nothing from the federation', () => {
    const h = acmeWithSiteReflectors()
    expect(pathsAt(h, 'px')).toEqual(['acme/eu/rev-eu', 'acme/us/rev-us', 'partnerx/partnerx/tr'])
    for (const v of h.node('px').routes(h.nowMs)) if (v.route.attrs.originOrg === 'acme') expect(v.route.orgPath).toEqual(['acme'])
    // The partner's route reaches the other site through the reflectors, and not the federation.
    expect(pathsAt(h, 'us')).toContain('partnerx/partnerx/tr')
    expect(pathsAt(h, 'pg')).not.toContain('partnerx/partnerx/tr')
  })
})
