/**
 * `npm run bench -- sim-large`: examples/topologies/large.yaml (10,000 orgs, 4
 * reflectors, 40,000 routes over 500 capabilities, 5 interests per org) simulated in
 * timed mode on the real Speaker. Target: converged and reported in ≤ 15 s wall time.
 * The simulation runs in a worker thread with its own heap limits (old space 12 GB: the
 * full run needs more than 4 GB; young generation 192 MB: the run keeps millions of
 * RIB entries and in-flight frames alive, and a larger nursery promotes fewer of them
 * early — about 7 % of the wall time; BENCH_YOUNG_MB overrides it). BENCH_IN_PROCESS=1
 * runs it on the main thread instead (then give the heap yourself:
 * NODE_OPTIONS="--max-old-space-size=12000 --max-semi-space-size=64").
 * BENCH_ORGS=2000 runs the same file with fewer orgs (everything else unchanged), for profiling.
 * BENCH_CAPS=200 (with BENCH_ORGS) scales the capabilities too, e.g. 4,000 orgs / 200 capabilities keeps
 * the full run's 80 paths per capability.
 * BENCH_HASH=1 adds reportSha256 (sha256 of the encoded report), to check that a change keeps the report byte-identical.
 * cpuSeconds: user + system CPU time of the whole process over the same span as wallMs.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { getHeapStatistics } from 'node:v8'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeReport } from '../simulations/report/report.ts'
import { simulate } from '../simulations/simulate.ts'
import { loadTopologyFile, parseTopology } from '../simulations/topology/load.ts'

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'topologies', 'large.yaml')

const WORKER_TAG = 'sim-large-bench'

export default async function (): Promise<Record<string, unknown>> {
  if (process.env.BENCH_IN_PROCESS === '1') return run()
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const figures = await new Promise<Record<string, unknown>>((resolve, reject) => {
    // The worker registers the TypeScript loader (tsx, as the main thread has it) before importing this file.
    const code = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}) })`
    const worker = new Worker(code, {
      eval: true,
      workerData: WORKER_TAG,
      resourceLimits: { maxOldGenerationSizeMb: 12_000, maxYoungGenerationSizeMb: Number(process.env.BENCH_YOUNG_MB ?? 192) }
    })
    worker.once('message', (m: Record<string, unknown>) => resolve(m))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`sim-large worker exited with code ${code}`)))
  })
  // The worker's own clock starts after its imports: the whole time, startup included, is this one.
  // CPU time of the whole process (worker, GC threads, startup): on a shared machine the figure that compares.
  const cpu = process.cpuUsage(cpuBefore)
  return { ...figures, wallMs: Math.round(performance.now() - started), cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100 }
}

if (!isMainThread && workerData === WORKER_TAG) {
  void run().then((figures) => parentPort?.postMessage(figures))
}

async function run (): Promise<Record<string, unknown>> {
  const started = performance.now()
  const orgs = process.env.BENCH_ORGS
  const caps = process.env.BENCH_CAPS
  const topology = (orgs === undefined || orgs === '') && (caps === undefined || caps === '')
    ? loadTopologyFile(FILE)
    : parseTopology(scaled(readFileSync(FILE, 'utf8'), orgs, caps), FILE)
  const loadedMs = performance.now() - started
  const result = simulate(topology, { routeStateSamples: 0 })
  const simulatedMs = performance.now() - started
  const encoded = encodeReport(result.report)
  const bytes = encoded.length
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
    heapMB: Math.round(getHeapStatistics().used_heap_size / 2 ** 20),
    violations: result.violations.length,
    ...(process.env.BENCH_HASH === '1' ? { reportSha256: createHash('sha256').update(encoded).digest('hex') } : {})
  }
}

function scaled (yaml: string, orgs: string | undefined, caps: string | undefined): string {
  let out = yaml
  if (orgs !== undefined && orgs !== '') out = out.replace(/generate: \{ orgs: \d+/, `generate: { orgs: ${Number(orgs)}`)
  if (caps !== undefined && caps !== '') out = out.replace(/capabilities: \d+/, `capabilities: ${Number(caps)}`)
  return out
}
