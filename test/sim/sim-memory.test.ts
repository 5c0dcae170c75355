/**
 * Memory in the simulator: the daemon's sync machine (crdt/sync) on every node, over the
 * seeded network, through a partition and its heal, a crash and a restart.
 */
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../kernel/index.ts'
import { checkEmulatable } from '../../simulations/emulate/plan.ts'
import { MemorySim } from '../../simulations/memory/memory-sim.ts'
import { encodeReport } from '../../simulations/report/report.ts'
import { simulate } from '../../simulations/simulate.ts'
import { loadTopologyFile, parseTopology } from '../../simulations/topology/load.ts'
import type { SimTopology } from '../../simulations/topology/model.ts'

const NS = 'incident-42'
const MEMBERS = ['acme', 'globex', 'initech', 'rr1', 'rr2']

/** The content of a namespace at a node, byte for byte (canonical JSON of entries and texts). */
function content (sim: MemorySim, node: string): string {
  const r = sim.replicaOf(node, NS)
  if (r === undefined) throw new Error(`${node} holds no ${NS}`)
  return canonicalJson({ entries: r.entries(), texts: Object.fromEntries(r.textKeys().map((k) => [k, r.text(k).text])) })
}

function runUntil (topology: SimTopology, durationS: number, seed: number): MemorySim {
  const sim = new MemorySim({ ...topology, durationS }, { seed, mode: 'timed' })
  sim.run()
  return sim
}

describe('memory in the simulator', () => {
  const topology = loadTopologyFile('examples/topologies/memory.yaml')

  it('a partition splits the members; after the heal every member holds byte-identical memory (equal stateHash)', () => {
    for (const seed of [11, 12, 13]) {
      // Just before the heal: acme, cut off, has writes the others lack and lacks theirs.
      const during = runUntil(topology, 119, seed)
      const split = during.stateHashes(NS)
      expect(split.get('acme'), `seed ${seed}`).not.toBe(split.get('globex'))
      expect(split.get('globex'), `seed ${seed}`).toBe(split.get('initech'))
      expect(during.report()[NS]?.converged).toBe(false)

      const after = runUntil(topology, topology.durationS, seed)
      const hashes = after.stateHashes(NS)
      expect([...hashes.keys()].sort()).toEqual(MEMBERS)
      expect(new Set(hashes.values()).size, `seed ${seed}`).toBe(1)
      const bytes = content(after, 'acme')
      for (const node of MEMBERS) expect(content(after, node), `${node} seed ${seed}`).toBe(bytes)
      // Every envelope of both writers made it across the cut, to every member.
      const vector = JSON.stringify([...(after.replicaOf('acme', NS)?.versionVector() ?? [])].sort())
      expect(vector).toMatch(/"acme\/1",\d+\].*"globex\/1",\d+\]/)
      for (const node of MEMBERS) expect(JSON.stringify([...(after.replicaOf(node, NS)?.versionVector() ?? [])].sort()), node).toBe(vector)
      const report = after.report()[NS]
      expect(report).toEqual({ converged: true, convergenceMs: expect.any(Number) as number, stateHash: hashes.get('acme') })
      // Converged after the heal at 120 s, within one capped redial (30 s) and a few round trips.
      expect(report?.convergenceMs).toBeGreaterThan(120_000)
      expect(report?.convergenceMs).toBeLessThan(152_000)
    }
  })

  it('atp sim: the report gains memory, byte-identical for a seed; the routing part is unchanged by it', () => {
    const a = simulate(topology, { seed: 11 })
    const b = simulate(topology, { seed: 11 })
    expect(encodeReport(a.report)).toBe(encodeReport(b.report))
    expect(Object.keys(a.report.memory ?? {})).toEqual([NS])
    expect(a.report.memory?.[NS]?.converged).toBe(true)
    const { memory: _memory, ...routingOnly } = a.report
    const withoutMemory = simulate({ ...topology, memory: undefined } as unknown as SimTopology, { seed: 11 }).report
    expect(JSON.stringify(routingOnly)).toBe(JSON.stringify(withoutMemory))
    expect('memory' in withoutMemory).toBe(false)
    // Another seed: other timings and other Yjs clientIDs (which order concurrent writes to one key): converged too.
    expect(simulate(topology, { seed: 12 }).report.memory?.[NS]?.converged).toBe(true)
  })

  it('a crashed member loses only its unsealed batch; restarted from its store with a new stream, it converges', () => {
    const t = parseTopology(`
seed: 3
durationS: 120
defaults: { linkDelayMs: 10 }
reflectors: [{ id: rr1, cluster: c1 }]
orgs:
  - { id: acme, reflectors: [rr1] }
  - { id: globex, reflectors: [rr1] }
memory:
  namespaces: [{ id: ${NS}, members: [acme, globex], writers: [acme, globex] }]
  writers:
    - { node: acme, namespace: ${NS}, ratePerS: 10, keys: 5, fromS: 1, toS: 60 }
    - { node: globex, namespace: ${NS}, ratePerS: 3, keys: 5, fromS: 1, toS: 60 }
events:
  - { atS: 20, type: crash, node: acme }
  - { atS: 30, type: restart, node: acme }
  - { atS: 40, type: crash, node: rr1 }
  - { atS: 45, type: restart, node: rr1 }
`)
    const sim = runUntil(t, 120, 3)
    const hashes = sim.stateHashes(NS)
    expect(new Set(hashes.values()).size).toBe(1)
    expect(sim.report()[NS]?.converged).toBe(true)
    // acme wrote in two lifetimes: two streams of its own, both at globex.
    const streams = [...(sim.replicaOf('globex', NS)?.versionVector().keys() ?? [])].filter((s) => s.startsWith('acme/'))
    expect(streams.sort()).toEqual(['acme/1', 'acme/2'])
  })

  it('a member left down at the end is not converged, and the report says so without a hash', () => {
    const t = loadTopologyFile('examples/topologies/memory.yaml')
    const sim = new MemorySim({ ...t, events: [...t.events, { type: 'crash', atS: 200, node: 'initech', index: 99 }] }, { seed: 11, mode: 'timed' })
    sim.run()
    expect(sim.report()[NS]).toMatchObject({ converged: false, stateHash: null })
  })
})

describe('the memory section of a topology', () => {
  const base = `
durationS: 60
reflectors: [{ id: rr1, cluster: c1 }]
orgs: [{ id: acme, reflectors: [rr1] }, { id: globex, reflectors: [rr1] }]
`
  it('is checked: members are orgs, writers are members, writer nodes write, namespaces are unique', () => {
    expect(() => parseTopology(`${base}
memory:
  namespaces:
    - { id: n1, members: [acme, hooli], writers: [globex] }
    - { id: n1, members: [acme] }
  writers:
    - { node: rr1, namespace: n1, ratePerS: 1 }
    - { node: acme, namespace: n2, ratePerS: 1 }
    - { node: acme, namespace: n1, ratePerS: 1, fromS: 70 }
`)).toThrow(/members\[1\]: unknown org "hooli"[\s\S]*writers\[0\]: "globex" is not a member[\s\S]*duplicate namespace id "n1"[\s\S]*memory.writers\[0\].node: unknown org node "rr1"[\s\S]*memory.writers\[1\].namespace: unknown namespace "n2"[\s\S]*memory.writers\[2\].node: org "acme" is not a writer[\s\S]*memory.writers\[2\].fromS: at or after the end/)
  })

  it('refuses bad namespace ids and unknown keys', () => {
    expect(() => parseTopology(`${base}
memory: { namespaces: [{ id: "Bad NS", members: [acme] }] }`)).toThrow(/memory.namespaces\[0\].id: not a namespace id/)
    expect(() => parseTopology(`${base}
memory: { namespaces: [{ id: n1, members: [acme] }], rate: 3 }`)).toThrow(/memory.rate: unknown key/)
  })

  it('a topology without it has no memory; --emulate refuses one with it', () => {
    expect(parseTopology(base).memory).toBeUndefined()
    const withMemory = parseTopology(`${base}
memory: { namespaces: [{ id: n1, members: [acme] }] }`)
    expect(() => { checkEmulatable(withMemory) }).toThrow(/memory is simulated only/)
  })
})
