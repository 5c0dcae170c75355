/**
 * Real atpd processes for integration tests (daemon, reflectors, memory):
 *
 *   const [a, b] = await prepareSites([{ org: 'acme' }, { org: 'beta' }])
 *   connect(a, b, 'partner', 'partner')
 *   await Promise.all([a.start(), b.start()])   // spawns `node bin/atpd.js`, waits for GET /v1/health
 *   await a.api('PUT', '/v1/agents/x', body)
 *   await a.stop()                              // SIGTERM to its process group, waits for the exit
 *
 * Each site gets a temp data dir with its identity created up front (so peer ids are
 * known before any config is written) and free ports on 127.0.0.1 for libp2p and the
 * API. Output is kept (bounded) for failure messages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AtpApiClient } from '../api/client.ts'
import { freeLoopbackPorts } from './free-ports.ts'
import type { PeerJson, RouteJson } from '../api/views.ts'
import { loadOrCreateIdentity } from '../identity/identity.ts'
import { waitReady } from './readiness.ts'
import { signalAtpd, spawnAtpd, spawnAtpdGroup, stopAtpd, type SpawnedAtpd } from './spawn.ts'
import { waitFor } from './wait-for.ts'

const MAX_OUTPUT_CHARS = 200_000

export type NeighborRoleName = 'reflector' | 'client' | 'peer' | 'partner'

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

/**
 * How long a start may take before it is called failed. A start costs ~2 CPU-seconds
 * (module loading); with other test files starting theirs on 2 shared cores (load
 * 40-55 under `npm run test:repeat`) it took over 30 s, so allow far more than one
 * start takes alone.
 */
export const ATPD_START_TIMEOUT_MS = 100_000

export class AtpdProcess {
  readonly org: string
  readonly dataDir: string
  readonly peerId: string
  readonly p2pPort: number
  readonly apiPort: number
  readonly configPath: string
  /** The site config, as written at start(); tests may edit it before (re)starting. */
  config: Record<string, unknown>
  private spawned?: SpawnedAtpd
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
  get running (): boolean { return this.spawned !== undefined && this.exitCode === undefined }
  get pid (): number | undefined { return this.spawned?.child.pid }
  /** stdout + stderr so far (bounded). */
  get logs (): string { return this.output }

  /** Spawns the daemon (in its own process group) and resolves once GET /v1/health answers ok. */
  async start (options: { timeoutMs?: number, nodeArgs?: readonly string[] } = {}): Promise<void> {
    // YAML is a superset of JSON: the config file is plain JSON.
    writeFileSync(this.configPath, JSON.stringify(this.config, null, 2))
    const spawned = spawnAtpdGroup(['--config', this.configPath], { output: (s) => { this.append(s) }, ...(options.nodeArgs !== undefined ? { nodeArgs: options.nodeArgs } : {}) })
    this.spawned = spawned
    this.exitCode = undefined
    this.exit = spawned.exit.then((code) => { this.exitCode = code; return code })
    try {
      await waitReady(this.apiUrl, { timeoutMs: options.timeoutMs ?? ATPD_START_TIMEOUT_MS, exited: () => this.exitCode, what: `${this.org} health` })
    } catch (err) {
      await this.kill()
      throw new Error(`atpd ${this.org} did not start: ${String(err)}\n--- output ---\n${this.output.slice(-4000)}`)
    }
  }

  /** SIGTERM to the process group, then SIGKILL after timeoutMs; resolves with the exit code. */
  async stop (options: { timeoutMs?: number } = {}): Promise<number | null> {
    const spawned = this.spawned
    if (spawned === undefined || this.exit === undefined) return null
    if (this.exitCode !== undefined) return await this.exit
    return await stopAtpd(spawned, options.timeoutMs ?? 10_000)
  }

  async kill (): Promise<void> {
    const spawned = this.spawned
    if (spawned !== undefined && this.exitCode === undefined) {
      signalAtpd(spawned.child, 'SIGCONT')
      signalAtpd(spawned.child, 'SIGKILL')
      await this.exit
    }
  }

  freeze (): void { if (this.spawned !== undefined) signalAtpd(this.spawned.child, 'SIGSTOP') }
  thaw (): void { if (this.spawned !== undefined) signalAtpd(this.spawned.child, 'SIGCONT') }

  async api<T = unknown> (method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const client = new AtpApiClient({ baseUrl: this.apiUrl, timeoutMs: 5000 })
    const r = await client.send<T>(method, path, typeof body === 'string' ? { rawBody: body } : { body })
    return { status: r.status, body: r.body }
  }

  private append (s: string): void {
    this.output += s
    if (this.output.length > MAX_OUTPUT_CHARS) this.output = this.output.slice(-MAX_OUTPUT_CHARS / 2)
  }
}

/**
 * Runs atpd to completion (for configs that must fail); resolves with code and output.
 * Killed after `timeoutMs`: generous, because a start that compiles TypeScript on a
 * loaded 2-core machine took over 30 s (a busy-port run then ended killed, code 128).
 */
export async function runAtpd (args: readonly string[], timeoutMs = 90_000): Promise<{ code: number | null, output: string }> {
  let output = ''
  const { child, exit } = spawnAtpd(args, { output: (s) => { output += s } })
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
    const [p2pPort, apiPort] = await freeLoopbackPorts(2) as [number, number]
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

export type { PeerJson, RouteJson }

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

