/**
 * The reflect bench, atpd side: real daemons as separate processes on 127.0.0.1
 * (1 origin → 1 reflector → RECEIVERS clients), measured as BIRD's side is
 * (bench/reflect/bird.ts):
 *
 *   - the reflector and the receivers start first and establish their sessions;
 *   - the reflector's RSS and CPU time are read, then the origin starts with `routes`
 *     config agents (it signs them at start, before it connects: not timed);
 *   - `seconds` runs from the origin's session reaching Established at the reflector
 *     (the `time` of the reflector's session-up log line) to the slowest receiver
 *     holding every route (its GET /v1/peers routesReceived, polled every 50 ms);
 *   - after convergence the reflector's RSS is read once it settled.
 *
 * BENCH_CPU_PROF_DIR=dir runs the reflector (or the sites BENCH_CPU_PROF_SITE names, comma-separated: origin,
 * recv1…) under `node --cpu-prof` (profile written at its exit);
 * BENCH_LOG_DIR=dir keeps every daemon's output there. BENCH_METRICS_DIR=dir writes the
 * reflector's /metrics (V8 heap spaces, external memory, …) before the origin starts and
 * once its RSS settled (rr-before.prom, rr-settled.prom): what the RSS delta is made of.
 */
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addNeighbor, prepareSites, type AtpdProcess, type PeerJson } from '../../daemon/launcher/atpd-process.ts'
import { DB_DIR } from '../../daemon/store/node-store.ts'
import { measureConvergence } from './measure-convergence.ts'
import { procStats, sleep } from './proc-stats.ts'
import { AGENTS_PER_CAPABILITY, benchAgent, convergeTimeoutMs, RECEIVERS, round3, type ReflectFigures } from './shape.ts'

export interface AtpdReflectFigures extends ReflectFigures {
  /** Routes whose origin signature the reflector verified (its atpd_route_signatures_verified_total). */
  readonly reflectorVerifiedRoutes: number
  /** API polls (GET /v1/peers) unanswered for 5 s during the run: event-loop stalls. */
  readonly apiTimeouts: number
  /**
   * After convergence one receiver restarts with an empty store (same key: the same
   * neighbor to the reflector): seconds from its session reaching Established again to
   * holding every route, the reflector sending its full table to a client that comes back
   * (timed as `seconds` is; the daemon's own start is not in it). null when the run did not converge; -1 when the receiver did not get
   * every route back within the time limit.
   */
  readonly reconnectSeconds: number | null
  /**
   * The restarted receiver's Loc-RIB paths by state once it holds every route again
   * (atpd_routes): a client that gets a full table must get it fresh, not stale (its
   * routes were advertised long before and are kept fresh by batch refreshes, which
   * the reflector sends with them). null when there was no reconnect.
   */
  readonly reconnectRouteStates: { readonly active: number, readonly stale: number, readonly suppressed: number } | null
  /**
   * CPU seconds (user + system) each receiver used over the same span as
   * reflectorCpuSeconds (origin started → converged), receivers in order: the cost per
   * route at the end of the path, which a loaded machine does not inflate as it does
   * wall time.
   */
  readonly receiverCpuSeconds: readonly number[]
}

export async function runAtpdReflect (routes: number, progress: (s: string) => void): Promise<AtpdReflectFigures> {
  apiTimeouts = 0
  const limits = { maxPathsPerCapability: AGENTS_PER_CAPABILITY, maxRoutesPerNeighbor: Math.max(100_000, routes) }
  const common = { holdTimeS: 90, mraiMs: 100, log: { level: 'info' }, limits }
  const names = ['origin', 'rr', ...Array.from({ length: RECEIVERS }, (_, i) => `recv${i + 1}`)]
  const sites = await prepareSites(names.map((org) => ({ org, ...(org === 'rr' ? { role: 'reflector' as const } : {}), config: common })))
  const [origin, rr, ...receivers] = sites as [AtpdProcess, AtpdProcess, ...AtpdProcess[]]
  try {
    addNeighbor(origin, rr, 'reflector')
    addNeighbor(rr, origin, 'client')
    for (const r of receivers) { addNeighbor(rr, r, 'client'); addNeighbor(r, rr, 'reflector') }
    origin.config.agents = Array.from({ length: routes }, (_, i) => benchAgent(i))

    const profDir = process.env.BENCH_CPU_PROF_DIR
    const profiled = (process.env.BENCH_CPU_PROF_SITE ?? 'rr').split(',')
    const snapDir = process.env.BENCH_HEAP_SNAPSHOT_DIR
    const startOptions = (site: AtpdProcess): { timeoutMs: number, nodeArgs?: string[] } => ({
      timeoutMs: 60_000,
      ...(profDir !== undefined && profiled.includes(site.org) ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {}),
      ...(snapDir !== undefined && site === rr ? { nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`] } : {})
    })
    await rr.start(startOptions(rr))
    await Promise.all(receivers.map(async (r) => { await r.start(startOptions(r)) }))
    // Both ends: a session one side calls established and the other does not yet would
    // hold the table back and be timed.
    await until(async () => {
      if ((await peers(rr)).filter((p) => p.state === 'established').length !== receivers.length) return false
      for (const r of receivers) if ((await peers(r)).find((p) => p.peerId === rr.peerId)?.state !== 'established') return false
      return true
    }, 120_000)
    await sleep(500)
    const rrPid = must(rr.pid)
    const before = procStats(rrPid)
    await keepMetrics(rr, 'rr-before.prom')
    if (snapDir !== undefined) await heapSnapshot(rrPid, snapDir)
    const receiversBefore = receivers.map((r) => procStats(must(r.pid)).cpuSeconds)
    progress(`reflect atpd: receivers up; starting the origin with ${routes} agents`)

    await origin.start({ ...startOptions(origin), timeoutMs: 10 * 60_000 })
    const established = await until(() => sessionUpMs(rr.logs, origin.peerId), 10 * 60_000, 20)
    progress('reflect atpd: origin established; waiting for the receivers')
    const figures = await measureConvergence({
      routes, receivers: receivers.length, establishedMs: established, reflectorPid: rrPid, before, progress, label: 'reflect atpd',
      counts: async () => await Promise.all(receivers.map(async (r) => (await peers(r)).find((x) => x.peerId === rr.peerId)?.routesReceived ?? 0))
    })
    const receiverCpuSeconds = receivers.map((r, i) => round3(procStats(must(r.pid)).cpuSeconds - (receiversBefore[i] as number)))
    await keepMetrics(rr, 'rr-settled.prom')
    if (snapDir !== undefined) await heapSnapshot(rrPid, snapDir)
    const reflectorVerifiedRoutes = await metric(rr, 'atpd_route_signatures_verified_total')
    const reconnectSeconds = figures.converged ? await reconnect(must(receivers[0]), rr, routes, startOptions, progress) : null
    const reconnectRouteStates = reconnectSeconds !== null && reconnectSeconds >= 0 ? await routeStates(must(receivers[0])) : null
    return { ...figures, reflectorVerifiedRoutes, apiTimeouts, reconnectSeconds, reconnectRouteStates, receiverCpuSeconds }
  } finally {
    await Promise.all(sites.map(async (s) => { await s.stop({ timeoutMs: 20_000 }) }))
    const logDir = process.env.BENCH_LOG_DIR
    if (logDir !== undefined) for (const s of sites) writeFileSync(join(logDir, `${s.org}.log`), s.logs)
    rmSync(join(origin.dataDir, '..'), { recursive: true, force: true })
  }
}

/** Restarts `receiver` and times until it holds every route from the reflector again. */
async function reconnect (receiver: AtpdProcess, rr: AtpdProcess, routes: number,
  startOptions: (site: AtpdProcess) => { timeoutMs: number, nodeArgs?: string[] }, progress: (s: string) => void): Promise<number> {
  progress(`reflect atpd: restarting ${receiver.org} (a client that comes back to a full reflector)`)
  await receiver.stop({ timeoutMs: 20_000 })
  // Restored routes would count as held at once: the client comes back with nothing.
  rmSync(join(receiver.dataDir, DB_DIR), { recursive: true, force: true })
  const restartMs = Date.now()
  await receiver.start(startOptions(receiver))
  const upMs = await until(() => sessionUpMs(receiver.logs, rr.peerId, restartMs), 120_000, 20)
  const deadline = upMs + convergeTimeoutMs(routes)
  for (;;) {
    const held = (await peers(receiver)).find((p) => p.peerId === rr.peerId)?.routesReceived ?? 0
    if (held >= routes) return round3((Date.now() - upMs) / 1000)
    if (Date.now() > deadline) return -1
    await sleep(50)
  }
}


/** API polls that got no answer within 5 s: the daemon's event loop was held that long. */
let apiTimeouts = 0

async function peers (site: AtpdProcess): Promise<PeerJson[]> {
  try {
    const r = await site.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
    return r.status === 200 ? r.body.peers : []
  } catch {
    apiTimeouts++
    return []
  }
}

/** The `time` of the first session-up log line naming `peer` (pino JSON lines), at or after `sinceMs`. */
function sessionUpMs (logs: string, peer: string, sinceMs = 0): number | undefined {
  for (const line of logs.split('\n')) {
    if (!line.includes('"session-up"') || !line.includes(peer)) continue
    try {
      const rec = JSON.parse(line) as { time?: number }
      if (typeof rec.time === 'number' && rec.time >= sinceMs) return rec.time
    } catch { /* a partial line: the next poll sees it whole */ }
  }
  return undefined
}

/** Has the process write a heap snapshot into `dir` (it runs with --heapsnapshot-signal) and waits until it is complete. */
async function heapSnapshot (pid: number, dir: string): Promise<void> {
  const count = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'))
  const before = count().length
  process.kill(pid, 'SIGUSR2')
  await until(() => count().length > before, 120_000, 200)
  let size = -1
  for (;;) {
    await sleep(1000)
    const now = count().reduce((t, f) => t + statSync(join(dir, f)).size, 0)
    if (now === size) return
    size = now
  }
}

async function keepMetrics (site: AtpdProcess, file: string): Promise<void> {
  const dir = process.env.BENCH_METRICS_DIR
  if (dir === undefined) return
  const r = await site.api<string>('GET', '/metrics')
  writeFileSync(join(dir, file), String(r.body))
}

async function metric (site: AtpdProcess, name: string): Promise<number> {
  // A daemon still busy may leave a poll unanswered for 5 s: a few more tries, then 0 (reported as such).
  let r: { body: string } = { body: '' }
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      r = await site.api<string>('GET', '/metrics')
      break
    } catch {
      apiTimeouts++
    }
  }
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)$`, 'm').exec(String(r.body))
  return m === null ? 0 : Number(m[1])
}

/** atpd_routes by state (0 for a state the scrape did not give). */
async function routeStates (site: AtpdProcess): Promise<{ active: number, stale: number, suppressed: number }> {
  const body = String((await site.api<string>('GET', '/metrics')).body)
  const of = (state: string): number => Number(new RegExp(`^atpd_routes\\{state="${state}"\\} (\\d+)$`, 'm').exec(body)?.[1] ?? 0)
  return { active: of('active'), stale: of('stale'), suppressed: of('suppressed') }
}

async function until<T> (probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await Promise.resolve(probe()).catch(() => undefined)
    if (v !== undefined && v !== false && v !== null) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error('reflect bench: timed out waiting')
    await sleep(intervalMs)
  }
}

function must<T> (v: T | undefined): T {
  if (v === undefined) throw new Error('reflect bench: process has no pid')
  return v
}
