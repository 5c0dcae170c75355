/**
 * Contract part `resolve`: one in-process atpd holding `routes` routes (its own agents:
 * 1,000 two-segment capabilities × 100 agents at 100k), queried for random capabilities
 * through the facade (in-process, µs) and through its HTTP API (sequential requests on a
 * kept-alive connection, ms), each timed one by one; p50 and p99 of those.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { parseConfig } from '../../daemon/config/load.ts'
import { createAtpd } from '../../daemon/node.ts'
import { freePort } from '../../daemon/launcher/free-ports.ts'
import { AGENTS_PER_CAPABILITY, capabilityOf, round3 } from '../reflect/shape.ts'

const IN_PROCESS_QUERIES = 20_000
const HTTP_QUERIES = 2_000

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
    const inProcessUs: number[] = []
    let candidates = 0
    for (let i = 0; i < IN_PROCESS_QUERIES; i++) {
      const capability = pick()
      const t = performance.now()
      const r = atpd.facade.resolve({ capability })
      inProcessUs.push((performance.now() - t) * 1000)
      candidates += r?.candidates.length ?? 0
    }
    const base = `http://${atpd.apiAddress}/v1/resolve?capability=`
    const httpMs: number[] = []
    let bytes = 0
    let httpRetries = 0
    for (let i = 0; i < HTTP_QUERIES; i++) {
      const url = base + encodeURIComponent(pick())
      let t = performance.now()
      let res: Response
      try {
        res = await fetch(url)
      } catch {
        // A kept-alive socket the server closed as we reused it (ECONNRESET): once more, counted.
        httpRetries++
        t = performance.now()
        res = await fetch(url)
      }
      const body = await res.arrayBuffer()
      httpMs.push(performance.now() - t)
      bytes += body.byteLength
      if (res.status !== 200) throw new Error(`resolve bench: HTTP ${res.status}`)
    }
    return {
      routes,
      inProcessP50Us: round3(quantile(inProcessUs, 0.5)),
      inProcessP99Us: round3(quantile(inProcessUs, 0.99)),
      httpP50Ms: round3(quantile(httpMs, 0.5)),
      httpP99Ms: round3(quantile(httpMs, 0.99)),
      candidatesPerAnswer: round3(candidates / IN_PROCESS_QUERIES),
      httpBytesPerAnswer: Math.round(bytes / HTTP_QUERIES),
      httpRetries
    }
  } finally {
    await atpd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function quantile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}
