/**
 * Real atpd processes for integration tests (daemon, reflectors, memory):
 *
 *   const [a, b] = await prepareSites([{ org: 'acme' }, { org: 'beta' }])
 *   connect(a, b, 'partner', 'partner')
 *   await Promise.all([a.start(), b.start()])   // spawns `node bin/atpd.js`, waits for GET /v1/health
 *   await a.api('PUT', '/v1/agents/x', body)
 *   await a.stop()                              // SIGTERM, waits for the exit
 *
 * Each site gets a temp data dir with its identity created up front (so peer ids are
 * known before any config is written) and free ports on 127.0.0.1 for libp2p and the
 * API. Output is kept (bounded) for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadOrCreateIdentity } from '../identity/identity.ts'
import { waitFor } from './wait-for.ts'

const REPO = resolve(import.meta.dirname, '..', '..')
const ATPD_BIN = join(REPO, 'bin', 'atpd.js')
const MAX_OUTPUT_CHARS = 200_000

export type NeighborRoleName = 'reflector' | 'client' | 'peer' | 'partner'

/** A port that was free a moment ago (bind :0, read, close). */
export async function freePort (): Promise<number> {
  return await new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => { res(port) })
    })
  })
}

export interface SiteOptions {
  readonly org: string
  readonly role?: 'peer' | 'reflector'
  /** Extra config keys (merged over the defaults below). */
  readonly config?: Record<string, unknown>
}

export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly body: T
}

export class AtpdProcess {
  readonly org: string
  readonly dataDir: string
  readonly peerId: string
  readonly p2pPort: number
  readonly apiPort: number
  readonly configPath: string
  /** The site config, as written at start(); tests may edit it before (re)starting. */
  config: Record<string, unknown>
  private child?: ChildProcess
  private exit?: Promise<number | null>
  private output = ''
  exitCode: number | null | undefined

  constructor (org: string, dataDir: string, peerId: string, p2pPort: number, apiPort: number, config: Record<string, unknown>) {
    this.org = org
    this.dataDir = dataDir
    this.peerId = peerId
    this.p2pPort = p2pPort
    this.apiPort = apiPort
    this.configPath = join(dataDir, '..', `${org}.yaml`)
    this.config = config
  }

  get addr (): string { return `/ip4/127.0.0.1/tcp/${this.p2pPort}` }
  get apiUrl (): string { return `http://127.0.0.1:${this.apiPort}` }
  get running (): boolean { return this.child !== undefined && this.exitCode === undefined }
  get pid (): number | undefined { return this.child?.pid }
  /** stdout + stderr so far (bounded). */
  get logs (): string { return this.output }

  /** Spawns the daemon and resolves once GET /v1/health answers ok. */
  async start (options: { timeoutMs?: number, nodeArgs?: readonly string[] } = {}): Promise<void> {
    // YAML is a superset of JSON: the config file is plain JSON.
    writeFileSync(this.configPath, JSON.stringify(this.config, null, 2))
    const { child, exit } = spawnAtpd(['--config', this.configPath], (s) => { this.append(s) }, options.nodeArgs)
    this.child = child
    this.exitCode = undefined
    this.exit = exit.then((code) => { this.exitCode = code; return code })
    try {
      await waitFor(async () => {
        if (this.exitCode !== undefined) throw new ExitedError(this.exitCode)
        const r = await this.api<{ ok: boolean }>('GET', '/v1/health')
        return r.status === 200 && r.body.ok
      }, { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, what: `${this.org} health` })
    } catch (err) {
      await this.kill()
      throw new Error(`atpd ${this.org} did not start: ${String(err)}\n--- output ---\n${this.output.slice(-4000)}`)
    }
  }

  /** SIGTERM, then SIGKILL after timeoutMs; resolves with the exit code. */
  async stop (options: { timeoutMs?: number } = {}): Promise<number | null> {
    const child = this.child
    if (child === undefined || this.exit === undefined) return null
    if (this.exitCode === undefined) child.kill('SIGTERM')
    const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeoutMs ?? 10_000)
    try {
      return await this.exit
    } finally {
      clearTimeout(timer)
    }
  }

  async kill (): Promise<void> {
    if (this.child !== undefined && this.exitCode === undefined) {
      this.child.kill('SIGCONT')
      this.child.kill('SIGKILL')
      await this.exit
    }
  }

  freeze (): void { this.child?.kill('SIGSTOP') }
  thaw (): void { this.child?.kill('SIGCONT') }

  async api<T = unknown> (method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
    })
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: parsed as T }
  }

  private append (s: string): void {
    this.output += s
    if (this.output.length > MAX_OUTPUT_CHARS) this.output = this.output.slice(-MAX_OUTPUT_CHARS / 2)
  }
}

class ExitedError extends Error {
  constructor (code: number | null) { super(`process exited with code ${String(code)}`) }
}

/** Spawns `node bin/atpd.js ARGS`; output goes to `onOutput`. */
export function spawnAtpd (
  args: readonly string[], onOutput: (s: string) => void, nodeArgs: readonly string[] = []
): { child: ChildProcess, exit: Promise<number | null> } {
  const child = spawn(process.execPath, [...nodeArgs, ATPD_BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } })
  child.stdout?.setEncoding('utf8').on('data', onOutput)
  child.stderr?.setEncoding('utf8').on('data', onOutput)
  // 'close', not 'exit': 'exit' may fire before the last output was read, and a test
  // that checks what the daemon printed on its way out would then race it.
  const exit = new Promise<number | null>((res) => { child.on('close', (code, signal) => { res(code ?? (signal !== null ? 128 : null)) }) })
  return { child, exit }
}

/** Runs atpd to completion (for configs that must fail); resolves with code and output. */
export async function runAtpd (args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null, output: string }> {
  let output = ''
  const { child, exit } = spawnAtpd(args, (s) => { output += s })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
  try {
    return { code: await exit, output }
  } finally {
    clearTimeout(timer)
  }
}

/** Identities, ports and base configs for several sites (nothing is started). */
export async function prepareSites (sites: readonly SiteOptions[]): Promise<AtpdProcess[]> {
  const root = mkdtempSync(join(tmpdir(), 'atpd-it-'))
  const out: AtpdProcess[] = []
  for (const s of sites) {
    const dataDir = join(root, s.org)
    const { peerId } = await loadOrCreateIdentity(dataDir)
    const p2pPort = await freePort()
    const apiPort = await freePort()
    const role = s.role ?? 'peer'
    const config: Record<string, unknown> = {
      org: s.org,
      role,
      dataDir,
      listen: [`/ip4/127.0.0.1/tcp/${p2pPort}`],
      api: { listen: `127.0.0.1:${apiPort}` },
      ...(role === 'reflector' ? { cluster: `rr-${s.org}` } : {}),
      neighbors: [],
      holdTimeS: 3,
      mraiMs: 20,
      reconnect: { maxBackoffS: 1 },
      log: { level: 'info' },
      ...s.config
    }
    out.push(new AtpdProcess(s.org, dataDir, peerId, p2pPort, apiPort, config))
  }
  return out
}

/** Configures a ↔ b as neighbors: `roleOfB` is what b is to a, `roleOfA` what a is to b. */
export function connect (a: AtpdProcess, b: AtpdProcess, roleOfB: NeighborRoleName, roleOfA: NeighborRoleName): void {
  addNeighbor(a, b, roleOfB)
  addNeighbor(b, a, roleOfA)
}

export function addNeighbor (site: AtpdProcess, neighbor: AtpdProcess, role: NeighborRoleName): void {
  const list = (site.config.neighbors as Record<string, unknown>[] | undefined) ?? []
  list.push({ peer: neighbor.peerId, addrs: [neighbor.addr], org: neighbor.org, role })
  site.config.neighbors = list
}

/** Stops (SIGTERM, then SIGKILL) these sites and removes their temp dirs. */
export async function cleanupSites (sites: readonly (AtpdProcess | undefined)[]): Promise<void> {
  await Promise.all(sites.map(async (s) => { s?.thaw(); await s?.stop() }))
  for (const s of sites) if (s !== undefined) rmSync(join(s.dataDir, '..'), { recursive: true, force: true })
}

export interface PeerJson { peerId: string, org: string, role: string, state: string, routesReceived: number, routesSent: number, lastError?: string }
export interface RouteJson {
  capability: string, org: string, agent: string, path: string[], originatorId: string, clusterList: string[],
  costUsd: number, state: string, best: boolean, usable: boolean, originPeerId: string, fromPeer: string
}

export async function peerState (site: AtpdProcess, peerId: string): Promise<string | undefined> {
  const r = await site.api<{ peers: PeerJson[] }>('GET', '/v1/peers')
  return r.body.peers.find((p) => p.peerId === peerId)?.state
}

export async function routesAt (site: AtpdProcess, capability?: string): Promise<RouteJson[]> {
  const q = capability === undefined ? '' : `?capability=${encodeURIComponent(capability)}`
  const r = await site.api<{ routes: RouteJson[] }>('GET', `/v1/routes${q}`)
  if (r.status !== 200) throw new Error(`GET /v1/routes at ${site.org}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.routes
}

/** Waits until `site` shows the session to `peer` established. */
export async function waitEstablished (site: AtpdProcess, peer: AtpdProcess, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await peerState(site, peer.peerId)) === 'established', { timeoutMs, what: `${site.org} → ${peer.org} established` })
}

