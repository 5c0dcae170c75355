/** Task traffic with congestion windows: the pinned congestion example, and tasks absent from routing-only reports. */
import { describe, expect, it } from 'vitest'
import { reproduceCommand } from '../../cli/commands/sim/run-sim.ts'
import { renderHtml } from '../../simulations/report/html.ts'
import { simulate } from '../../simulations/simulate.ts'
import { loadTopologyFile, parseTopology } from '../../simulations/topology/load.ts'

const FILE = 'examples/topologies/congestion.yaml'

describe('congestion example (seed 13)', () => {
  const result = simulate(loadTopologyFile(FILE), { seed: 13 })
  const cmd = `reproduce: ${reproduceCommand(FILE, 13, 'timed', false)}`
  const tasks = result.report.tasks
  const path = (org: string) => tasks?.paths.find((p) => p.org === org)

  it('spills the load of the overloaded vendor to the spare one and holds served p95 under sloMs', () => {
    expect(result.report.converged, cmd).toBe(true)
    expect(tasks?.sloMs, cmd).toBe(1500)
    const busy = path('busy')
    const spare = path('spare')
    // 15 tasks/s offered; busy serves ~10/s at most, so spare must carry a real share.
    expect(busy?.served, cmd).toBeGreaterThan(2000)
    expect(spare?.served, cmd).toBeGreaterThan(1000)
    for (const p of [busy, spare]) {
      expect(p?.p95Ms, cmd).not.toBeNull()
      expect(p?.p95Ms ?? Infinity, cmd).toBeLessThanOrEqual(1500)
    }
    // busy's windows were cut (AIMD at work) and never below one task per consumer.
    expect(busy?.windowTasks.min, cmd).toBeGreaterThanOrEqual(1)
    expect(busy?.windowTasks.max, cmd).toBeGreaterThan(busy?.windowTasks.min ?? Infinity)
    // Almost nothing is lost: refusals at busy fail over to spare.
    const offered = (busy?.served ?? 0) + (spare?.served ?? 0) + (busy?.rejected ?? 0) + (spare?.rejected ?? 0)
    expect(((busy?.rejected ?? 0) + (spare?.rejected ?? 0)) / offered, cmd).toBeLessThan(0.02)
    expect(Object.keys(tasks?.spendUsd ?? {}), cmd).toEqual(['alpha', 'beta', 'gamma'])
    for (const usd of Object.values(tasks?.spendUsd ?? {})) expect(usd, cmd).toBeGreaterThan(0)
  })

  it('plots windows, throughput, queueing, drops and spend in the HTML report', () => {
    const html = renderHtml(result, { file: FILE, command: 'atp sim', damping: { halfLifeS: 900, suppress: 6000, reuse: 750 } })
    for (const title of ['Task windows', 'Tasks served', 'Tasks dropped', 'Queueing delay', 'Spend']) expect(html).toContain(title)
  })
})

describe('task traffic is opt-in', () => {
  it('a topology without tasks has no tasks section', () => {
    const r = simulate(parseTopology('seed: 1\ndurationS: 5\norgs: [{ id: a, agents: [] }]\n')).report
    expect('tasks' in r).toBe(false)
  })

  it('refuses a consumer of an unknown org', () => {
    expect(() => parseTopology('orgs: [{ id: a }]\ntasks: { consumers: [{ org: b, capability: x, ratePerS: 1 }] }\n'))
      .toThrow(/tasks.consumers\[0\].org: unknown org "b"/)
  })

  it('a budget at a consumer caps its spend', () => {
    const topo = parseTopology(`
seed: 2
durationS: 60
orgs:
  - id: v
    agents: [{ id: a, capability: x, costUsd: 0.5, latencyMs: { p50: 100, p95: 200 }, winRate: { wins: 1, trials: 1 } }]
    partners: [c]
  - { id: c, partners: [v] }
tasks:
  consumers: [{ org: c, capability: x, ratePerS: 10, budgets: [{ id: cap, match: {}, usdPerDay: 3 }] }]
`)
    const r = simulate(topo).report
    expect(r.tasks?.spendUsd.c).toBeLessThanOrEqual(3)
    expect(r.tasks?.spendUsd.c).toBeGreaterThanOrEqual(2.5)
    expect(r.tasks?.paths[0]?.rejected).toBeGreaterThan(100)
  })
})
