/** Damping timings of flapping.yaml against the RFC 2439 formula, on the real Speaker. */
import { describe, expect, it } from 'vitest'
import { simulate } from '../../simulations/simulate.ts'
import { loadTopologyFile } from '../../simulations/topology/load.ts'

const CMD = 'reproduce: atp sim examples/topologies/flapping.yaml --seed 11 --mode timed'

describe('damping (examples/topologies/flapping.yaml)', () => {
  const t = loadTopologyFile('examples/topologies/flapping.yaml')
  const p = t.params.damping
  const result = simulate(t, { seed: 11 })
  const delayMs = t.params.linkDelayMs

  it('suppresses at the third withdrawal and reuses at updatedAt + halfLife·log2(penalty/reuse)', () => {
    // Withdrawals reach rr1 at 30 s, 50 s and 70 s (+ link delay): penalties decay with a 60 s half-life.
    const w = [30_000, 50_000, 70_000].map((t) => t + delayMs)
    const decay = (dtMs: number): number => 2 ** (-dtMs / (p.halfLifeS * 1000))
    const p2 = p.withdrawPenalty * decay(w[1]! - w[0]!) + p.withdrawPenalty
    const p3 = p2 * decay(w[2]! - w[1]!) + p.withdrawPenalty
    expect(p2, 'the 2nd withdrawal stays below suppress').toBeLessThan(p.suppress)
    expect(p3).toBeGreaterThanOrEqual(p.suppress)
    const reuseAt = w[2]! + p.halfLifeS * 1000 * Math.log2(p3 / p.reuse)

    expect(result.report.damping, CMD).toHaveLength(1)
    const ep = result.report.damping[0]!
    expect(ep, CMD).toMatchObject({ node: 'rr1', org: 'acme', agent: 'rev', capability: 'code-review/python', suppressedAtMs: w[2] })
    expect(ep.maxPenalty, CMD).toBeCloseTo(p3, 1)
    expect(Math.abs((ep.reusedAtMs ?? Infinity) - reuseAt), CMD).toBeLessThanOrEqual(1000)
    expect(result.violations, CMD).toEqual([])
  })

  it('converges after the reuse, with the reused path back at the consumer', () => {
    const ep = result.report.damping[0]!
    expect(result.report.converged, CMD).toBe(true)
    expect(result.report.convergenceMs, CMD).toBeGreaterThanOrEqual(ep.reusedAtMs ?? Infinity)
    expect(result.report.final.initech?.['code-review/python'], CMD).toEqual(expect.arrayContaining(['acme/rev', 'globex/rev']))
  })
})
