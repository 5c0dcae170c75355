/** The example topologies on the real Speaker, with pinned seeds. */
import { describe, expect, it } from 'vitest'
import { reproduceCommand } from '../../cli/commands/sim/run-sim.ts'
import type { SimMode } from '../../simulations/engine/types.ts'
import { encodeReport } from '../../simulations/report/report.ts'
import { simulate } from '../../simulations/simulate.ts'
import { loadTopologyFile, parseTopology } from '../../simulations/topology/load.ts'

const file = (name: string): string => `examples/topologies/${name}.yaml`

function run (name: string, seed: number, mode: SimMode = 'timed', wire = false) {
  const result = simulate(loadTopologyFile(file(name)), { seed, mode, wire })
  return { result, cmd: `reproduce: ${reproduceCommand(file(name), seed, mode, wire)}` }
}

describe('example topologies converge', () => {
  for (const [name, seed] of [['partners', 7], ['flapping', 11], ['drift', 3], ['reflector-failover', 5], ['sites', 11], ['memory', 11]] as const) {
    it(`${name} (seed ${seed})`, () => {
      const { result, cmd } = run(name, seed)
      expect(result.report.converged, cmd).toBe(true)
      expect(result.report.oscillating, cmd).toBe(false)
      expect(result.violations, cmd).toEqual([])
      expect(Object.keys(result.report.final).length, cmd).toBeGreaterThan(3)
    })
  }

  it('partners: interests filter what a consumer holds; own agents are included', () => {
    const { result, cmd } = run('partners', 7)
    const f = result.report.final
    expect(Object.keys(f.initech ?? {}).every((c) => c.startsWith('code-review') || c === 'translate/de'), cmd).toBe(true)
    expect(f.acme?.summarize, cmd).toEqual(['acme/sum'])
    expect(f.rr2?.['code-review/python']?.slice().sort(), cmd).toEqual(['acme/rev', 'globex/rev2'])
  })

  it('reflector-failover: routes survive the crash of rr1 and the partition acme–rr2', () => {
    const { result, cmd } = run('reflector-failover', 5)
    for (const node of ['acme', 'globex', 'initech', 'rr1', 'rr2']) {
      expect(result.report.final[node]?.summarize, `${node} ${cmd}`).toEqual(['globex/sum'])
    }
  })

  it('sites: every acme site and every other org holds the three acme sites\' paths; the checkers know internal sessions', () => {
    const { result, cmd } = run('sites', 11)
    for (const node of ['acme-eu', 'acme-us', 'acme-ap', 'globex', 'initech', 'rr1', 'rr2']) {
      expect(result.report.final[node]?.['code-review/python']?.slice().sort(), `${node} ${cmd}`).toEqual(['acme/rev-ap', 'acme/rev-eu', 'acme/rev-us'])
    }
    expect(result.report.final['acme-ap']?.['translate/de'], cmd).toEqual(['initech/tr'])
  })

  it('drift: the best path flips to globex everywhere', () => {
    const { result, cmd } = run('drift', 3)
    for (const node of ['initech', 'hooli', 'rr1', 'rr2']) {
      expect(result.report.final[node]?.['code-review/python']?.[0], `${node} ${cmd}`).toBe('globex/rev')
    }
  })
})

describe('determinism', () => {
  it('same topology and seed give byte-identical reports (and the same hash)', () => {
    const a = run('reflector-failover', 5).result.report
    const b = run('reflector-failover', 5).result.report
    expect(encodeReport(b)).toBe(encodeReport(a))
    expect(b.stateHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('--wire (protobuf round trip of every frame) reaches the same final state', () => {
    const plain = run('partners', 7).result.report
    const { result, cmd } = run('partners', 7, 'timed', true)
    expect(result.report.stateHash, cmd).toBe(plain.stateHash)
  })
})

describe('FIFO mode', () => {
  it('converges to the same final as timed mode on a topology without damping', () => {
    const text = `
seed: 21
durationS: 300
defaults: { linkDelayMs: 15, mraiMs: 100, jitterMs: 10, damping: false }
reflectors: [{ id: rr1, cluster: c1, peers: [rr2] }, { id: rr2, cluster: c2 }]
orgs:
  - { id: a, reflectors: [rr1], partners: [b], agents: [{ id: x, capability: summarize, costUsd: 0.1, latencyMs: { p50: 100, p95: 300 }, winRate: { wins: 9, trials: 10 } }] }
  - { id: b, reflectors: [rr2], agents: [{ id: y, capability: summarize, costUsd: 0.2, latencyMs: { p50: 100, p95: 300 }, winRate: { wins: 50, trials: 60 } }] }
  - { id: c, reflectors: [rr1, rr2], agents: [{ id: z, capability: summarize/news, costUsd: 0.05, latencyMs: { p50: 50, p95: 90 }, winRate: { wins: 5, trials: 10 } }] }
events:
  - { atS: 40, type: withdraw, org: a, agent: x }
  - { atS: 60, type: announce, org: a, agent: x }
  - { atS: 80, type: update, org: b, agent: y, set: { costUsd: 0.01 } }
`
    const t = parseTopology(text)
    const timed = simulate(t, { mode: 'timed' }).report
    const fifo = simulate(t, { mode: 'fifo' }).report
    const cmd = 'reproduce: atp sim <inline FIFO topology> --seed 21 --mode fifo'
    expect(timed.converged, cmd).toBe(true)
    expect(fifo.converged, cmd).toBe(true)
    expect(fifo.final, cmd).toEqual(timed.final)
    expect(fifo.stateHash, cmd).toBe(timed.stateHash)
  })
})
