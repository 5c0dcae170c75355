// The checkers can fail: every other simulation test asserts zero violations, which
// proves nothing unless a broken speaker is caught. A stand-in with its loop checks
// removed and RFC 4456's peer-to-peer rule broken, on a ring of three reflectors, must
// make the loop checker fire; one whose reflectors choose by an order relative to
// themselves must be reported as oscillating where the intact speakers converge.
import { describe, expect, it } from 'vitest'
import { runSimulation } from '../../simulations/run.ts'
import { simulate } from '../../simulations/simulate.ts'
import { parseTopology } from '../../simulations/topology/load.ts'
import { createStandInSpeaker, mutatedStandInSpeaker } from '../helpers/sim-stand-in-speaker.ts'

const RING = `
durationS: 3
reflectors: [{ id: rr1, cluster: c1, peers: [rr2, rr3] }, { id: rr2, cluster: c2, peers: [rr3] }, { id: rr3, cluster: c3 }]
orgs:
  - { id: acme, reflectors: [rr1], agents: [{ id: rev, capability: code-review, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }] }
`

// Three reflectors in a ring, each with its own client org serving one capability: the
// setup of RFC 3345's persistent oscillation when reflectors advertise a single best.
const agent = (id: string): string => `{ id: ${id}, capability: code-review, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }`
const GADGET = `
durationS: 3
reflectors: [{ id: rr1, cluster: c1, peers: [rr2, rr3] }, { id: rr2, cluster: c2, peers: [rr3] }, { id: rr3, cluster: c3 }]
orgs:
  - { id: o1, reflectors: [rr1], agents: [${agent('a1')}] }
  - { id: o2, reflectors: [rr2], agents: [${agent('a2')}] }
  - { id: o3, reflectors: [rr3], agents: [${agent('a3')}] }
`

describe('simulator checkers', () => {
  it('stay quiet for the stand-in speaker on a ring of reflectors', () => {
    const r = runSimulation(parseTopology(RING), { createSpeaker: createStandInSpeaker, seed: 1 })
    expect(r.violations).toEqual([])
  })

  it('catch a speaker that loops', () => {
    const r = runSimulation(parseTopology(RING), { createSpeaker: mutatedStandInSpeaker('loops'), seed: 1 })
    expect(r.violations.some((v) => v.checker === 'loop')).toBe(true)
  })

  it('catch reflectors that oscillate, where the stand-in and the real speaker converge', () => {
    const mutant = runSimulation(parseTopology(GADGET), { createSpeaker: mutatedStandInSpeaker('oscillates'), seed: 1 })
    expect(mutant.report.converged).toBe(false)
    expect(mutant.report.oscillating).toBe(true)
    for (const intact of [runSimulation(parseTopology(GADGET), { createSpeaker: createStandInSpeaker, seed: 1 }), simulate(parseTopology(GADGET), { seed: 1 })]) {
      expect(intact.report.converged).toBe(true)
      expect(intact.report.oscillating).toBe(false)
      expect(intact.violations).toEqual([])
    }
  })
})
