/**
 * `npm run soak` (SOAK_MINUTES=5, SOAK_SEED, SOAK_RSS_FACTOR=2; or --minutes/--seed/
 * --rss-factor): a real federation (2 reflectors in clusters c1/c2 + 4 orgs, temp data
 * dirs, 127.0.0.1) under seeded churn through the API for SOAK_MINUTES, sampled every
 * 10 s, while a hostile partner and a DHT stranger attack it (hostile.ts). Then: churn
 * and attacks stop, final convergence (deadline), every daemon alive, clean SIGTERM
 * stops, `atp audit verify` (verifyAuditLog) of every data dir, RSS and fd growth, and
 * what the hostile peers saw.
 * One JSON document on stdout, progress on stderr. Exit 1 when a daemon died, an audit
 * log does not verify, the final convergence failed, RSS grew past the factor or a
 * hostile peer got what it must not (hostileFailures); 2 on a
 * usage error; 130 on Ctrl-C (everything is killed and the temp dir removed).
 */
import '../../daemon/runtime/polyfills.ts'
import { cpus, loadavg, totalmem } from 'node:os'
import { verifyAuditLog } from '../../daemon/audit/verify.ts'
import { seededRandom } from '../../kernel/index.ts'
import { Churn, ErrorLog } from './churn.ts'
import { waitConverged } from './convergence.ts'
import { HOLD_TIME_S, RESTART_TIME_S, startSoakFederation, type SoakFederation } from './federation.ts'
import { hostileFailures, startHostility } from './hostile.ts'
import { ChurnModel } from './model.ts'
import { parseSoakOptions, SoakUsageError, type SoakOptions } from './options.ts'
import { churnPhase, waitAllEstablished, SETTLE_DEADLINE_MS, type PhaseState } from './phases.ts'
import { Sampler, SAMPLE_EVERY_MS, type SiteSummary } from './sampler.ts'

const FINAL_DEADLINE_MS = 60_000
const AGENTS_PER_ORG_AT_START = 3

let fed: SoakFederation | undefined
let interrupted = false

async function main (opts: SoakOptions): Promise<number> {
  const startedAt = new Date()
  const load0 = loadavg()
  const log = (s: string): void => { process.stderr.write(`soak: ${s}\n`) }
  log(`seed ${opts.seed}, ${opts.minutes} min; starting 2 reflectors + 4 orgs (and a hostile partner, a DHT stranger)`)
  fed = await startSoakFederation()
  const errors = new ErrorLog()
  if (!await waitAllEstablished(fed.sites, 60_000)) errors.add('not every session established 60 s after start')
  const random = seededRandom(opts.seed)
  const model = new ChurnModel()
  const churn = new Churn(random, model, errors)
  const orgs = fed.sites.filter((s) => s.role === 'peer')
  await churn.populate(orgs, AGENTS_PER_ORG_AT_START)
  const initial = await waitConverged(fed.sites, model, SETTLE_DEADLINE_MS)
  log(`initial table (${model.all().length} agents) ${initial.ok ? `converged in ${initial.ms} ms` : `NOT converged: ${initial.problems.join(' | ')}`}`)

  const t0Ms = Date.now()
  const sampler = new Sampler(fed.sites, t0Ms, errors)
  await sampler.tick()
  sampler.start()
  const state: PhaseState = { checks: [], disruptions: [], resolveChecks: { passed: 0, failed: 0 } }
  // The attacks draw from their own stream: the churn sequence of a seed stays the same.
  const hostility = await startHostility(fed, seededRandom(opts.seed ^ 0xbad))
  await churnPhase(fed, churn, model, sampler, { churn: random, checks: seededRandom(opts.seed ^ 0x5eed) }, errors, t0Ms, t0Ms + opts.minutes * 60_000, state)
  const hostile = await hostility.stop()

  log('churn and attacks stopped; final convergence')
  const final = await waitConverged(fed.sites, model, FINAL_DEADLINE_MS)
  sampler.stop()
  await sampler.tick()
  const dead = fed.sites.filter((s) => !s.proc.running).map((s) => s.name)
  log('stopping every daemon (SIGTERM), then audit verify')
  const exitCodes = await fed.stopAll()
  const audit = Object.fromEntries(await Promise.all(fed.sites.map(async (s) => [s.name, await verifyAuditLog(s.proc.dataDir)] as const)))

  const warmupS = Math.min(60, Math.max(20, opts.minutes * 15))
  const sites = sampler.summary(warmupS)
  const failures: string[] = []
  for (const d of sampler.deaths) failures.push(`${d.site} died at t=${d.tS}s (exit ${String(d.exitCode)})`)
  for (const name of dead) if (!sampler.deaths.some((d) => d.site === name)) failures.push(`${name} not running at the end`)
  for (const [name, a] of Object.entries(audit)) if (!a.ok) failures.push(`${name}: audit log broken at ${a.firstBadSeq ?? '?'}: ${a.reason ?? ''}`)
  if (!final.ok) failures.push(`final convergence failed after ${FINAL_DEADLINE_MS / 1000} s: ${final.problems.join(' | ')}`)
  failures.push(...hostileFailures(hostile))
  for (const [name, s] of Object.entries(sites)) {
    if (s.rssGrowth !== undefined && s.rssGrowth > opts.rssGrowthFactor) failures.push(`${name}: RSS grew ${s.rssGrowth}× (limit ${opts.rssGrowthFactor}×)`)
  }

  const passed = state.checks.filter((c) => c.ok)
  const settle = passed.map((c) => c.ms).sort((a, b) => a - b)
  const envPart = `SOAK_MINUTES=${opts.minutes} SOAK_SEED=${opts.seed}${opts.rssGrowthFactor !== 2 ? ` SOAK_RSS_FACTOR=${opts.rssGrowthFactor}` : ''}`
  const report = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgAtStart: load0.map(round2), loadAvgAtEnd: loadavg().map(round2) },
    date: startedAt.toISOString(),
    command: `${envPart} npm run soak`,
    seed: opts.seed,
    minutes: opts.minutes,
    federation: { reflectors: 2, orgs: 4, holdTimeS: HOLD_TIME_S, restartTimeS: RESTART_TIME_S, sampleEveryS: SAMPLE_EVERY_MS / 1000, warmupS, settleDeadlineS: SETTLE_DEADLINE_MS / 1000 },
    operations: { ...churn.ops, total: Object.values(churn.ops).reduce((a, b) => a + b, 0), agentsAtEnd: model.all().length, resolveStatuses: churn.resolveStatuses, agentWriteRetries: churn.retries },
    disruptions: state.disruptions,
    hostile,
    convergence: {
      initial: { ok: initial.ok, ms: initial.ms },
      checks: state.checks.length,
      passed: passed.length,
      failed: state.checks.length - passed.length,
      settleMs: { median: settle[Math.floor(settle.length / 2)] ?? null, max: settle.at(-1) ?? null },
      failures: state.checks.filter((c) => !c.ok).slice(0, 10),
      resolveChecks: state.resolveChecks,
      final: { ok: final.ok, ms: final.ms, ...(final.ok ? {} : { problems: final.problems }) }
    },
    rssByRole: byRole(sites),
    sites,
    timeline: sampler.timeline(),
    daemons: { died: sampler.deaths, notRunningAtEnd: dead, stopExitCodes: exitCodes },
    audit: Object.fromEntries(Object.entries(audit).map(([n, a]) => [n, { ok: a.ok, records: a.records, ...(a.ok ? {} : { firstBadSeq: a.firstBadSeq, reason: a.reason }) }])),
    errors: { count: errors.count, kept: errors.kept },
    verdict: { ok: failures.length === 0, failures }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  await fed.destroy()
  log(failures.length === 0 ? 'ok' : `FAILED: ${failures.join('; ')}`)
  return failures.length === 0 ? 0 : 1
}

function byRole (sites: Record<string, SiteSummary>): Record<string, { minRssMiB: number, maxRssMiB: number, maxGrowth: number | null, maxFdGrowth: number | null }> {
  const out: Record<string, { minRssMiB: number, maxRssMiB: number, maxGrowth: number | null, maxFdGrowth: number | null }> = {}
  for (const s of Object.values(sites)) {
    const r = out[s.role] ?? { minRssMiB: Infinity, maxRssMiB: 0, maxGrowth: null, maxFdGrowth: null }
    r.minRssMiB = Math.min(r.minRssMiB, s.minRssMiB)
    r.maxRssMiB = Math.max(r.maxRssMiB, s.maxRssMiB)
    if (s.rssGrowth !== undefined) r.maxGrowth = Math.max(r.maxGrowth ?? 0, s.rssGrowth)
    if (s.fdGrowth !== undefined) r.maxFdGrowth = Math.max(r.maxFdGrowth ?? -Infinity, s.fdGrowth)
    out[s.role] = r
  }
  return out
}

function round2 (x: number): number {
  return Math.round(x * 100) / 100
}

/** Ctrl-C / SIGTERM: kill every daemon (SIGCONT first for a frozen one), remove the temp dir. */
async function interrupt (signal: string): Promise<void> {
  if (interrupted) return
  interrupted = true
  process.stderr.write(`soak: ${signal}: killing the federation\n`)
  await fed?.destroy()
  process.exit(130)
}
process.on('SIGINT', () => { void interrupt('SIGINT') })
process.on('SIGTERM', () => { void interrupt('SIGTERM') })
// Last resort (an exception past main): no daemon outlives the soak.
process.on('exit', () => {
  for (const s of fed?.sites ?? []) {
    const pid = s.proc.pid
    if (s.proc.running && pid !== undefined) { try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
  }
})

let opts: SoakOptions
try {
  opts = parseSoakOptions(process.argv.slice(2), process.env)
} catch (err) {
  if (!(err instanceof SoakUsageError)) throw err
  process.stderr.write(`soak: ${err.message}\n`)
  process.exit(2)
}
main(opts).then((code) => { process.exitCode = code }, async (err: unknown) => {
  process.stderr.write(`soak: failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  await fed?.destroy()
  process.exitCode = 1
})
