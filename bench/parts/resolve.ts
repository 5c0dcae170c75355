/**
 * Contract part `resolve`: one in-process atpd holding `routes` routes (its own agents:
 * 1,000 two-segment capabilities × 100 agents at 100k), queried for random capabilities
 * through the facade (in-process, µs) and through its HTTP API (sequential requests on a
 * kept-alive connection, ms), each timed one by one; p50 and p99 of those.
 *
 * The Contract figures ask what the API answers by default: the best
 * DEFAULT_RESOLVE_LIMIT candidates, in-process and over HTTP alike. The full list (all
 * 100 paths of a capability, `limit=100`) is measured beside them (`fullList`).
 *
 * Beside the wall times: the process CPU per call (in process) and per request (HTTP:
 * the client's and the server's, one process), and the 1-minute load average at the
 * start, since on a shared machine wall figures alone mislead.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, get } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { parseConfig } from '../../daemon/config/load.ts'
import { createAtpd, type Atpd } from '../../daemon/node.ts'
import { freePort } from '../../daemon/launcher/free-ports.ts'
import { DEFAULT_RESOLVE_LIMIT } from '../../daemon/api/schemas.ts'
import { AGENTS_PER_CAPABILITY, capabilityOf, round3 } from '../reflect/shape.ts'

const IN_PROCESS_QUERIES = 20_000
const HTTP_QUERIES = 2_000
const FULL_LIST_IN_PROCESS_QUERIES = 5_000
const FULL_LIST_HTTP_QUERIES = 500

export async function resolvePart (routes: number, progress: (s: string) => void): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'atp-bench-resolve-'))
  const port = await freePort()
  const agents = Array.from({ length: routes }, (_, i) => {
    const k = i % AGENTS_PER_CAPABILITY
    return {
      id: `a${i}`, capability: capabilityOf(i), endpoint: `http://127.0.0.1:9000/agents/${i}`,
      costUsd: 0.01 + k * 0.001, latencyMs: { p50: 100 + k, p95: 200 + 2 * k }, winRate: { wins: k % 50, trials: 50 }, region: 'eu', tags: []
    }
  })
  const config = parseConfig(JSON.stringify({
    org: 'bench', role: 'peer', dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], api: { listen: `127.0.0.1:${port}` },
    agents, limits: { maxPathsPerCapability: AGENTS_PER_CAPABILITY }, log: { level: 'silent' }
  }), 'bench')
  const atpd = createAtpd(config, { logger: pino({ level: 'silent' }) })
  progress(`resolve: starting an atpd with ${routes} agents`)
  await atpd.start()
  try {
    const capabilities = Math.max(1, Math.ceil(routes / AGENTS_PER_CAPABILITY))
    let seed = 12345
    const pick = (): string => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return capabilityOf((seed % capabilities) * AGENTS_PER_CAPABILITY)
    }
    // start() posts the origination to the event loop: wait until the last agent's capability resolves.
    const last = capabilityOf(routes - 1)
    for (let i = 0; i < 6000 && (atpd.facade.resolve({ capability: last })?.candidates.length ?? 0) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const loadAverage1m = round3(loadavg()[0] ?? 0)
    const inProcess = timeInProcess(atpd, pick, IN_PROCESS_QUERIES, DEFAULT_RESOLVE_LIMIT)
    const http = await timeHttp(atpd.apiAddress, pick, HTTP_QUERIES, undefined)
    const fullInProcess = timeInProcess(atpd, pick, FULL_LIST_IN_PROCESS_QUERIES, AGENTS_PER_CAPABILITY)
    const fullHttp = await timeHttp(atpd.apiAddress, pick, FULL_LIST_HTTP_QUERIES, AGENTS_PER_CAPABILITY)
    return {
      routes,
      inProcessP50Us: inProcess.p50Us,
      inProcessP99Us: inProcess.p99Us,
      httpP50Ms: http.p50Ms,
      httpP99Ms: http.p99Ms,
      inProcessCpuUsPerCall: inProcess.cpuUsPerCall,
      httpCpuUsPerRequest: http.cpuUsPerRequest,
      loadAverage1m,
      candidatesPerAnswer: inProcess.candidatesPerAnswer,
      httpBytesPerAnswer: http.bytesPerAnswer,
      httpRetries: http.retries,
      fullList: {
        inProcessP50Us: fullInProcess.p50Us,
        inProcessP99Us: fullInProcess.p99Us,
        httpP50Ms: fullHttp.p50Ms,
        httpP99Ms: fullHttp.p99Ms,
        inProcessCpuUsPerCall: fullInProcess.cpuUsPerCall,
        httpCpuUsPerRequest: fullHttp.cpuUsPerRequest,
        candidatesPerAnswer: fullInProcess.candidatesPerAnswer,
        httpBytesPerAnswer: fullHttp.bytesPerAnswer
      }
    }
  } finally {
    await atpd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function timeInProcess (atpd: Atpd, pick: () => string, queries: number, limit: number): { p50Us: number, p99Us: number, cpuUsPerCall: number, candidatesPerAnswer: number } {
  const us: number[] = []
  let candidates = 0
  const cpu = process.cpuUsage()
  for (let i = 0; i < queries; i++) {
    const capability = pick()
    const t = performance.now()
    const r = atpd.facade.resolve({ capability, limit })
    us.push((performance.now() - t) * 1000)
    candidates += r?.candidates.length ?? 0
  }
  return { p50Us: round3(quantile(us, 0.5)), p99Us: round3(quantile(us, 0.99)), cpuUsPerCall: round3(cpuUs(cpu) / queries), candidatesPerAnswer: round3(candidates / queries) }
}

async function timeHttp (apiAddress: string, pick: () => string, queries: number, limit: number | undefined): Promise<{ p50Ms: number, p99Ms: number, cpuUsPerRequest: number, bytesPerAnswer: number, retries: number }> {
  const base = `http://${apiAddress}/v1/resolve?${limit === undefined ? '' : `limit=${limit}&`}capability=`
  // node:http on one kept-alive socket: the client shares this process's event loop with
  // the server, and fetch (undici) costs ~0.4 ms more per request here, which would be
  // timed as the server's.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const ms: number[] = []
  let bytes = 0
  let retries = 0
  const cpu = process.cpuUsage()
  try {
    for (let i = 0; i < queries; i++) {
      const url = base + encodeURIComponent(pick())
      let t = performance.now()
      let res: { status: number, bytes: number }
      try {
        res = await httpGet(url, agent)
      } catch {
        // A kept-alive socket the server closed as we reused it (ECONNRESET): once more, counted.
        retries++
        t = performance.now()
        res = await httpGet(url, agent)
      }
      ms.push(performance.now() - t)
      bytes += res.bytes
      if (res.status !== 200) throw new Error(`resolve bench: HTTP ${res.status}`)
    }
  } finally {
    agent.destroy()
  }
  return { p50Ms: round3(quantile(ms, 0.5)), p99Ms: round3(quantile(ms, 0.99)), cpuUsPerRequest: round3(cpuUs(cpu) / queries), bytesPerAnswer: Math.round(bytes / queries), retries }
}

async function httpGet (url: string, agent: Agent): Promise<{ status: number, bytes: number }> {
  return await new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => { bytes += chunk.length })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, bytes }) })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** Process CPU (user + system) since `from`, µs. */
function cpuUs (from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from)
  return d.user + d.system
}

function quantile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}
