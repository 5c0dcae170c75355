/**
 * The measuring half of the reflect bench, shared by the atpd and the BIRD side so both
 * are timed and weighed by the same code: poll the receivers until the slowest holds
 * every route (or the time limit), then read the reflector's CPU and settled RSS.
 */
import { procStats, settledRss, sleep, type ProcStats } from './proc-stats.ts'
import { convergeTimeoutMs, round3, type ReflectFigures } from './shape.ts'

export interface ConvergenceRun {
  readonly routes: number
  readonly receivers: number
  /** Date.now() when the origin's session reached Established at the reflector. */
  readonly establishedMs: number
  readonly reflectorPid: number
  /** The reflector's stats read before the origin connected. */
  readonly before: ProcStats
  /** Routes each receiver holds now. */
  readonly counts: () => Promise<number[]>
  readonly progress: (s: string) => void
  readonly label: string
}

export async function measureConvergence (run: ConvergenceRun): Promise<ReflectFigures> {
  const { routes, establishedMs } = run
  const deadline = establishedMs + convergeTimeoutMs(routes)
  let slowest = 0
  let doneMs = 0
  let lastReportMs = Date.now()
  for (;;) {
    const counts = await run.counts()
    slowest = Math.min(...counts)
    if (slowest >= routes) { doneMs = Date.now(); break }
    if (Date.now() - lastReportMs >= 5000) {
      lastReportMs = Date.now()
      run.progress(`${run.label}: ${((lastReportMs - establishedMs) / 1000).toFixed(1)} s, receivers hold ${counts.join(' / ')}`)
    }
    if (Date.now() > deadline) break
    await sleep(50)
  }
  const converged = doneMs > 0
  const seconds = ((converged ? doneMs : Date.now()) - establishedMs) / 1000
  const cpuSeconds = procStats(run.reflectorPid).cpuSeconds - run.before.cpuSeconds
  const settled = await settledRss(run.reflectorPid)
  return {
    routes,
    receivers: run.receivers,
    seconds: round3(seconds),
    routesPerSecondPerReceiver: converged ? Math.round(routes / seconds) : 0,
    reflectorPeakRssBytes: procStats(run.reflectorPid).peakRssBytes,
    bytesPerRoute: Math.round((settled - run.before.rssBytes) / routes),
    reflectorCpuSeconds: round3(cpuSeconds),
    converged,
    slowestReceiverRoutes: slowest
  }
}
