// The checkers can fail: every other simulation test asserts zero violations, which
// proves nothing unless a broken speaker is caught. A stand-in with its loop checks
// removed and RFC 4456's peer-to-peer rule broken, on a ring of three reflectors, must
// make the loop checker fire.
import { describe, expect, it } from 'vitest'
import { runSimulation } from '../../simulations/run.ts'
import { parseTopology } from '../../simulations/topology/load.ts'
import { createStandInSpeaker, mutatedStandInSpeaker } from '../helpers/sim-stand-in-speaker.ts'

const RING = `
durationS: 3
reflectors: [{ id: rr1, cluster: c1, peers: [rr2, rr3] }, { id: rr2, cluster: c2, peers: [rr3] }, { id: rr3, cluster: c3 }]
orgs:
  - { id: acme, reflectors: [rr1], agents: [{ id: rev, capability: code-review, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }] }
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
})
