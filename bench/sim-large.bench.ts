/**
 * `npm run bench -- sim-large`: examples/topologies/large.yaml (10,000 orgs, 4
 * reflectors, 40,000 routes over 500 capabilities, 5 interests per org) simulated in
 * timed mode on the real Speaker. Target: converged and reported in ≤ 30 s wall time.
 * Needs a heap above 4 GB: NODE_OPTIONS=--max-old-space-size=12000 npm run bench -- sim-large
 * BENCH_ORGS=2000 runs the same file with fewer orgs (everything else unchanged), for profiling.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeReport } from '../simulations/report/report.ts'
import { simulate } from '../simulations/simulate.ts'
import { loadTopologyFile, parseTopology } from '../simulations/topology/load.ts'

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'topologies', 'large.yaml')

export default async function (): Promise<Record<string, unknown>> {
  const started = performance.now()
  const orgs = process.env.BENCH_ORGS
  const topology = orgs === undefined || orgs === ''
    ? loadTopologyFile(FILE)
    : parseTopology(readFileSync(FILE, 'utf8').replace(/generate: \{ orgs: \d+/, `generate: { orgs: ${Number(orgs)}`), FILE)
  const loadedMs = performance.now() - started
  const result = simulate(topology, { routeStateSamples: 0 })
  const simulatedMs = performance.now() - started
  const bytes = encodeReport(result.report).length
  const wallMs = performance.now() - started
  const routes = topology.nodes.reduce((n, node) => n + node.agents.length, 0)
  return {
    wallMs: Math.round(wallMs),
    loadMs: Math.round(loadedMs),
    simulateMs: Math.round(simulatedMs - loadedMs),
    reportMs: Math.round(wallMs - simulatedMs),
    reportBytes: bytes,
    converged: result.report.converged,
    convergenceMs: result.report.convergenceMs,
    messages: result.report.messages,
    events: result.events,
    nodes: topology.nodes.length,
    routes,
    heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    violations: result.violations.length
  }
}
