import { describe, expect, it } from 'vitest'
import { capabilityVocabulary, generateFederation } from '../../simulations/topology/generate.ts'
import { linkKey } from '../../simulations/topology/model.ts'
import { parseTopology } from '../../simulations/topology/load.ts'
import { topologyProblems } from '../helpers/topology-problems.ts'

const AGENT = '{ id: rev, capability: code-review/python, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }'

describe('topology schema', () => {
  it('resolves sessions, roles, link overrides and defaults', () => {
    const t = parseTopology(`
seed: 9
defaults: { linkDelayMs: 25 }
reflectors: [{ id: rr1, cluster: c1, peers: [rr2] }, { id: rr2, cluster: c2, peers: [rr1] }]
orgs:
  - { id: acme, reflectors: [rr1], partners: [globex], agents: [${AGENT}] }
  - { id: globex }
links: [{ a: rr1, b: acme, delayMs: 5 }]
`)
    const acme = t.nodes.find((n) => n.id === 'acme')
    expect(acme?.neighbors).toEqual([{ peerId: 'rr1', org: 'rr1', role: 'reflector' }, { peerId: 'globex', org: 'globex', role: 'partner' }])
    expect(t.nodes.find((n) => n.id === 'rr1')?.neighbors.map((n) => `${n.peerId}:${n.role}`)).toEqual(['rr2:peer', 'acme:client'])
    expect(t.nodes.find((n) => n.id === 'rr2')?.neighbors).toHaveLength(1) // declared from both ends, one session
    expect(t.links.get(linkKey('acme', 'rr1'))?.delayMs).toBe(5)
    expect(t.links.get(linkKey('acme', 'globex'))).toEqual({ a: 'acme', b: 'globex', delayMs: 25, loss: 0 })
    expect(acme?.agents[0]).toMatchObject({ id: 'rev', endpoint: 'sim://acme/rev', region: 'global', tags: [] })
    expect(t.params.damping.halfLifeS).toBe(900)
  })

  it('rejects unknown keys with their field path', () => {
    expect(topologyProblems(`orgs: [{ id: acme, agents: [{ ${AGENT.slice(2, -2)}, colour: red }] }]\nfoo: 1`))
      .toEqual(['orgs[0].agents[0].colour: unknown key', 'foo: unknown key'])
  })

  it('names the event index of unknown org, agent and node ids', () => {
    const p = topologyProblems(`
orgs: [{ id: acme, agents: [${AGENT}] }]
events:
  - { atS: 1, type: withdraw, org: acme, agent: nope }
  - { atS: 2, type: announce, org: nobody, agent: rev }
  - { atS: 3, type: crash, node: ghost }
  - { atS: 4, type: partition, a: acme, b: ghost }
  - { atS: 5, type: restart, node: acme }
`)
    expect(p).toEqual([
      'events[0].agent: unknown agent "nope" of org "acme"',
      'events[1].org: unknown org "nobody"',
      'events[2].node: unknown node "ghost"',
      'events[3].b: unknown node "ghost"',
      'events[4]: restart of "acme", which is not down'
    ])
  })

  it('rejects links without a session and references to unknown reflectors', () => {
    expect(topologyProblems('orgs: [{ id: a, reflectors: [rr9] }, { id: b }]\nlinks: [{ a: a, b: b }]')).toEqual([
      'orgs[0].reflectors[0]: unknown reflector "rr9"',
      'links[0]: no session between "a" and "b" (sessions come from reflectors, partners and peers)'
    ])
  })

  it('reports YAML syntax errors and bad values', () => {
    expect(topologyProblems('orgs: [')[0]).toMatch(/^YAML: /)
    expect(topologyProblems('orgs: [{ id: Acme }]')[0]).toMatch(/^orgs\[0\]\.id: /)
  })

  it('refuses identifiers the wire would refuse, at load time (a 40-char capability segment, a long region)', () => {
    const long = `code-review/${'x'.repeat(40)}`
    expect(topologyProblems(`orgs: [{ id: acme, agents: [${AGENT.replace('code-review/python', long)}] }]`)).toEqual([
      `orgs[0].agents[0].capability: not a capability (lowercase [a-z0-9-] segments joined by '/', at most 8 segments of 32 characters, 128 in all): capability segment 2 is 40 chars long, max 32`
    ])
    expect(topologyProblems(`orgs: [{ id: acme, interests: [${long}] }]`)[0]).toMatch(/^orgs\[0\]\.interests\[0\]: not a capability/)
    expect(topologyProblems(`orgs: [{ id: acme, agents: [${AGENT.replace('winRate', `region: ${'r'.repeat(33)}, winRate`)}] }]`)[0])
      .toMatch(/^orgs\[0\]\.agents\[0\]\.region: not a region/)
  })
})

describe('generator', () => {
  const spec = { orgs: 200, reflectors: 4, agentsPerOrg: 4, capabilities: 50, interestsPerOrg: 5 }

  it('is deterministic per seed and differs across seeds', () => {
    expect(generateFederation(spec, 1)).toEqual(generateFederation(spec, 1))
    expect(generateFederation(spec, 1)).not.toEqual(generateFederation(spec, 2))
  })

  it('builds a full reflector mesh, 1–2 reflectors per org, distinct interests', () => {
    const g = generateFederation(spec, 7)
    const t = parseTopology(JSON.stringify({ orgs: [], generate: spec, seed: 7 }))
    for (const r of t.nodes.filter((n) => n.kind === 'reflector')) {
      expect(r.neighbors.filter((n) => n.role === 'peer')).toHaveLength(3)
    }
    for (const o of g.orgs) {
      expect(o.reflectors.length).toBeGreaterThanOrEqual(1)
      expect(o.reflectors.length).toBeLessThanOrEqual(2)
      expect(new Set(o.interests).size).toBe(5)
      expect(o.agents).toHaveLength(4)
    }
    expect(t.nodes).toHaveLength(204)
  })

  it('draws capabilities from a three-level vocabulary', () => {
    const v = capabilityVocabulary(500)
    expect(new Set(v).size).toBe(500)
    expect(v.every((c) => c.split('/').length === 3)).toBe(true)
    expect(new Set(capabilityVocabulary(1500)).size).toBe(1500)
  })
})
