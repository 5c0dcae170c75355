/** Several sites of one org in the simulator: topology rules and the loop checker. */
import { describe, expect, it } from 'vitest'
import { loopProblems } from '../../simulations/checkers/loops.ts'
import { parseTopology } from '../../simulations/topology/load.ts'
import { topologyProblems } from '../helpers/topology-problems.ts'
import { makeRoute } from '../helpers/fixtures.ts'

describe('simulator: sites of one org', () => {
  it('gives site nodes their org and site, and internal sessions the site role', () => {
    const t = parseTopology(`
seed: 1
reflectors: [{ id: rr1, cluster: c1 }]
orgs:
  - { id: acme-eu, org: acme, site: eu, reflectors: [rr1], sites: [acme-ap] }
  - { id: acme-ap, org: acme, site: ap }
`)
    const eu = t.nodes.find((n) => n.id === 'acme-eu')
    expect(eu).toMatchObject({ org: 'acme', site: 'eu' })
    expect(eu?.neighbors).toEqual([
      { peerId: 'rr1', org: 'rr1', role: 'reflector' },
      { peerId: 'acme-ap', org: 'acme', role: 'site' }
    ])
    expect(t.nodes.find((n) => n.id === 'rr1')?.neighbors).toEqual([{ peerId: 'acme-eu', org: 'acme', role: 'client' }])
  })

  it('refuses two nodes of one org on one site, and internal sessions across orgs', () => {
    expect(topologyProblems(`
seed: 1
orgs:
  - { id: acme-eu, org: acme, site: eu, sites: [globex] }
  - { id: acme-eu2, org: acme, site: eu }
  - { id: globex }
`)).toEqual([
      'orgs[0].sites[0]: "globex" is a site of another org',
      'orgs[1].site: org "acme" already has site "eu" (orgs[0]); give each node of an org its own site'
    ])
  })

  it('the loop checker knows sites: another site\'s route is fine, one through this site is a loop', () => {
    const node = { id: 'acme-eu', kind: 'org' as const, org: 'acme', site: 'eu', interests: [], agents: [], neighbors: [] }
    const fromUs = makeRoute({ originOrg: 'acme', originSite: 'us', originPeerId: 'acme-us' })
    expect(loopProblems(node, { route: fromUs, fromPeer: 'rr1' })).toBeUndefined()
    expect(loopProblems(node, { route: { ...fromUs, sitePath: ['ap', 'eu'] }, fromPeer: 'acme-ap' })).toMatch(/contains this node \(acme\/eu\)/)
    expect(loopProblems(node, { route: makeRoute({ originOrg: 'acme', originSite: 'eu' }), fromPeer: 'rr1' })).toMatch(/own agent/)
  })
})
