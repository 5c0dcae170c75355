/**
 * Contract part `forward`: what forwarding a task through the federation adds to
 * calling the agent directly. Real daemons, each its own process on 127.0.0.1 —
 * consumer (initech) → route reflector (rr1) → origin (acme) — and one A2A echo agent
 * (daemon/a2a/echo-agent.ts, no latency of its own) in a process of its own
 * (bench/forward/agent-process.ts). The same SDK client (@a2a-js/sdk ClientFactory,
 * blocking message/send) in this process sends the same message either to the agent's
 * own URL (`direct`) or to the consumer's /a2a/<capability> (`forwarded`).
 *
 * - concurrency 1: the two are interleaved task by task (direct, forwarded, ...), so a
 *   change of machine load hits both alike; p50/p99 of each and their differences;
 * - concurrency 64: 64 clients in a loop for a fixed number of tasks, direct then
 *   forwarded; tasks/s and p50/p99 of each.
 *
 * `addedP50MsPerDaemon` divides the added p50 by the three daemons the task crosses
 * (the contract's target: ≤ 2 ms added p50 per hop). On a machine with more runnable
 * processes than cores every hop also waits to be scheduled: `daemonCpuMsPerTask`
 * (user + system CPU of each daemon over the concurrency-1 run, per forwarded task) is
 * the cost that does not depend on the load, and `loadAverage1m` says how loaded it was.
 *
 * BENCH_CPU_PROF_DIR=dir runs the daemons (or those BENCH_CPU_PROF_SITE names, comma
 * separated: initech, rr1, acme) under `node --cpu-prof`, stops them with SIGTERM so the
 * profiles are written, and leaves `forward-window.json` there: the daemons' pids (in the
 * profiles' names) and the concurrency-1 run's start and end on the monotonic clock the
 * profiles' timestamps use (CLOCK_MONOTONIC, in µs), so bench/forward/profile-summary.ts
 * can count only the samples of that run.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { ClientFactory, type Client } from '@a2a-js/sdk/client'
import { answerText, userMessage } from '../../daemon/a2a/a2a-text.ts'
import { startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import { packagePath } from '../../daemon/package-root.ts'
import { procStats } from '../reflect/proc-stats.ts'
import { round3 } from '../reflect/shape.ts'

const CAP = 'code-review/python'
const DAEMONS_CROSSED = 3
const TARGET_ADDED_P50_MS_PER_DAEMON = 2

interface Sizes { readonly warmup: number, readonly sequential: number, readonly concurrent: number }

const FULL: Sizes = { warmup: 200, sequential: 1000, concurrent: 5000 }
const QUICK: Sizes = { warmup: 50, sequential: 200, concurrent: 1000 }
const CONCURRENCY = 64
const SITES = ['initech', 'rr1', 'acme'] as const

export async function forwardPart (quick: boolean, progress: (s: string) => void): Promise<Record<string, unknown>> {
  const sizes = quick ? QUICK : FULL
  const agent = await startAgentProcess()
  progress('forward: starting consumer, reflector and origin daemons')
  const profDir = process.env.BENCH_CPU_PROF_DIR
  const profiled = new Set((process.env.BENCH_CPU_PROF_SITE ?? SITES.join(',')).split(','))
  const nodeArgs = (site: string): string[] | undefined =>
    profDir !== undefined && profiled.has(site) ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : undefined
  const fed = await startFederation({
    // The protocol's default hold time: the test federations' 3 s lets a session drop
    // when a loaded machine delays keepalives behind a burst of tasks.
    holdTimeS: 90,
    sites: {
      rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { initech: 'client', acme: 'client' } },
      acme: {
        role: 'peer', org: 'acme', neighbors: { rr1: 'reflector' },
        // Declared figures: no re-advertisement churn from measurements while timing. The
        // p95 is the consumer window's latency target: far above what 64 clients on a
        // loaded machine see, so the window only grows and the bench measures forwarding,
        // not congestion control.
        extra: { agents: [{ id: 'reviewer', a2a: { card: agent.url }, costUsd: 0.01, region: 'eu', latencyMs: { p50: 1000, p95: 60_000 }, winRate: { wins: 9, trials: 10 } }] }
      },
      // A window wide enough for the 64 clients from the first task on.
      initech: { role: 'peer', org: 'initech', neighbors: { rr1: 'reflector' }, extra: { windows: { initialTasks: CONCURRENCY, slowStartThreshold: 1024 } } }
    }
  }, { nodeArgs })
  try {
    await Promise.all(['rr1', 'acme', 'initech'].map(async (s) => await fed.waitEstablished(s)))
    await fed.waitForRoute('initech', (r) => r.capability === CAP && r.org === 'acme', { timeoutMs: 60_000, what: 'the origin\'s route at the consumer' })
    const factory = new ClientFactory()
    const direct = await factory.createFromUrl(`${agent.url}/`)
    const forwarded = await factory.createFromUrl(`${fed.site('initech').apiUrl}/a2a/${CAP}/`)
    const loadBefore = loadavg()[0] ?? 0

    progress(`forward: warm-up (${sizes.warmup} tasks each way)`)
    for (let i = 0; i < sizes.warmup; i++) { await send(direct); await send(forwarded) }

    progress(`forward: concurrency 1, ${sizes.sequential} tasks each way, interleaved`)
    const seqDirect: number[] = []
    const seqForwarded: number[] = []
    const cpuBefore = daemonCpuSeconds(fed)
    const windowStartUs = monotonicUs()
    for (let i = 0; i < sizes.sequential; i++) {
      seqDirect.push(await send(direct))
      seqForwarded.push(await send(forwarded))
    }
    const windowEndUs = monotonicUs()
    const cpuAfter = daemonCpuSeconds(fed)
    if (profDir !== undefined) writeFileSync(join(profDir, 'forward-window.json'), JSON.stringify({ startUs: windowStartUs, endUs: windowEndUs, tasks: sizes.sequential, pids: Object.fromEntries(SITES.map((site) => [site, fed.pid(site)])) }))
    const daemonCpuMsPerTask = Object.fromEntries(SITES.map((site) => [site, round3(((cpuAfter[site] ?? 0) - (cpuBefore[site] ?? 0)) * 1000 / sizes.sequential)]))

    progress(`forward: concurrency ${CONCURRENCY}, ${sizes.concurrent} tasks each way`)
    const conDirect = await concurrently(direct, sizes.concurrent)
    const conForwarded = await concurrently(forwarded, sizes.concurrent)
    const loadAfter = loadavg()[0] ?? 0

    const s = { direct: stats(seqDirect), forwarded: stats(seqForwarded) }
    const c = { direct: { ...stats(conDirect.ms), tasksPerSecond: conDirect.perSecond }, forwarded: { ...stats(conForwarded.ms), tasksPerSecond: conForwarded.perSecond } }
    const addedP50Ms = round3(s.forwarded.p50Ms - s.direct.p50Ms)
    const addedP50MsPerDaemon = round3(addedP50Ms / DAEMONS_CROSSED)
    return {
      path: 'consumer -> reflector -> origin (3 daemons, 127.0.0.1)',
      daemonsCrossed: DAEMONS_CROSSED,
      concurrency1: {
        tasks: sizes.sequential,
        direct: s.direct,
        forwarded: s.forwarded,
        addedP50Ms,
        addedP99Ms: round3(s.forwarded.p99Ms - s.direct.p99Ms),
        tasksPerSecond: { direct: round3(1000 / mean(seqDirect)), forwarded: round3(1000 / mean(seqForwarded)) }
      },
      [`concurrency${CONCURRENCY}`]: {
        tasks: sizes.concurrent,
        direct: c.direct,
        forwarded: c.forwarded,
        addedP50Ms: round3(c.forwarded.p50Ms - c.direct.p50Ms),
        addedP99Ms: round3(c.forwarded.p99Ms - c.direct.p99Ms)
      },
      addedP50MsPerDaemon,
      daemonCpuMsPerTask,
      targetAddedP50MsPerDaemon: TARGET_ADDED_P50_MS_PER_DAEMON,
      targetMet: addedP50MsPerDaemon <= TARGET_ADDED_P50_MS_PER_DAEMON,
      socketRetries: retries.socket,
      loadAverage1m: { before: round3(loadBefore), after: round3(loadAfter), cpus: cpus().length }
    }
  } finally {
    // A profile is written at a clean exit only, and writing a long one takes a while.
    if (profDir !== undefined) {
      const codes = await Promise.all(SITES.filter((site) => profiled.has(site)).map(async (site) => [site, await fed.stopSite(site, { timeoutMs: 120_000 })]))
      progress(`forward: profiled daemons stopped (exit codes ${JSON.stringify(Object.fromEntries(codes))})`)
    }
    await fed.stop()
    await agent.stop()
  }
}

/** The agent as a child process (see bench/forward/agent-process.ts). */
async function startAgentProcess (): Promise<{ url: string, stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', packagePath('bench/forward/agent-process.ts'), CAP], {
    cwd: packagePath('.'), stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' }
  })
  const exited = new Promise<void>((resolve) => { child.once('close', () => { resolve() }) })
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('close', (code) => { reject(new Error(`forward bench: the agent process exited (${String(code)})`)) })
  })
  const { url } = JSON.parse(first) as { url: string }
  return { url, async stop () { child.stdin.end(); await exited } }
}

/** CLOCK_MONOTONIC in µs: what V8's profile timestamps count on Linux. */
function monotonicUs (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** User + system CPU seconds of each daemon so far. */
function daemonCpuSeconds (fed: Federation): Record<string, number> {
  return Object.fromEntries(SITES.map((site) => {
    const pid = fed.pid(site)
    return [site, pid === undefined ? 0 : procStats(pid).cpuSeconds]
  }))
}

/** Sends again after a kept-alive socket the server had closed as idle (the request never got there). */
const retries = { socket: 0 }

/** One blocking task; its round trip in ms. Throws unless it completed. */
async function send (client: Client): Promise<number> {
  const params = { tenant: '', message: userMessage('def f(): pass'), configuration: undefined, metadata: undefined }
  let t = performance.now()
  let result
  try {
    result = await client.sendMessage(params)
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err
    retries.socket++
    t = performance.now()
    result = await client.sendMessage(params)
  }
  const ms = performance.now() - t
  const state = 'status' in result ? result.status?.state : 3
  if (state !== 3) throw new Error(`forward bench: a task ended in state ${String(state)}: ${'status' in result ? answerText(result) : ''}`)
  return ms
}

async function concurrently (client: Client, total: number): Promise<{ ms: number[], perSecond: number }> {
  const ms: number[] = []
  let next = 0
  const t = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      next++
      ms.push(await send(client))
    }
  }))
  return { ms, perSecond: round3(total / ((performance.now() - t) / 1000)) }
}

function stats (ms: readonly number[]): { p50Ms: number, p99Ms: number } {
  const s = [...ms].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0
  return { p50Ms: round3(q(0.5)), p99Ms: round3(q(0.99)) }
}

function mean (xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
}
