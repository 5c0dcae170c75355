/**
 * Free TCP ports on 127.0.0.1 for the launcher, the emulator, the integration fixture
 * and the soak: all `count` ports are held (bound) until every one is known, so no two
 * are the same, then released to the daemon that will bind them.
 *
 * A daemon's listener cannot be handed over across the process boundary (libp2p's TCP
 * transport binds its own socket), so between that release and the daemon's bind a port
 * is held another way: a lease, one file per port in a directory every launcher on the
 * machine shares, created exclusively. Another launcher (a parallel test file, a bench,
 * the soak) skips a leased port even while nothing listens on it yet. A lease ends when
 * its process exits or after LEASE_MS, by which time the daemon bound the port or failed
 * to start (and a failed start names its log).
 *
 * The ports come from below the kernel's ephemeral range, not from port 0. Port 0 hands
 * out ephemeral ports, and every outbound connection on the machine (libp2p dials, HTTP
 * clients of parallel tests) takes its source port from that same range: a port just
 * released was seen taken by a connection before the daemon bound it ("API port
 * already in use" in a full test run). Below the range only listeners compete.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/** Lowest port handed out. */
const MIN_PORT = 10_000
/** Linux's default start of the ephemeral range, when /proc does not say. */
const DEFAULT_EPHEMERAL_LOW = 32_768
const MAX_TRIES_PER_PORT = 64
/** A daemon binds its ports within its start; a start slower than this failed anyway. */
const LEASE_MS = 5 * 60_000

export interface FreePortOptions {
  /** [low, high) to pick from; default: below the ephemeral range. */
  readonly range?: readonly [number, number]
  /** Where leases live; default: one directory per user under the system's tmpdir. */
  readonly leaseDir?: string
}

export async function freeLoopbackPorts (count: number, options: FreePortOptions = {}): Promise<number[]> {
  const servers: Server[] = []
  const [low, high] = options.range ?? candidateRange()
  const leaseDir = options.leaseDir ?? defaultLeaseDir()
  sweepOnce(leaseDir)
  try {
    for (let i = 0; i < count; i++) servers.push(await bindSome(low, high, leaseDir))
    return servers.map((s) => {
      const a = s.address()
      if (a === null || typeof a === 'string') throw new Error('no port bound')
      return a.port
    })
  } finally {
    await Promise.all(servers.map(async (s) => { await new Promise((resolve) => s.close(resolve)) }))
  }
}

export async function freePort (): Promise<number> {
  const [port] = await freeLoopbackPorts(1)
  return port as number
}

/** [MIN_PORT, start of the ephemeral range), or port 0 when that range is empty. */
export function candidateRange (): [number, number] {
  let ephemeralLow = DEFAULT_EPHEMERAL_LOW
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(first) && first > 0) ephemeralLow = first
  } catch { /* not Linux: keep the default */ }
  return [MIN_PORT, ephemeralLow]
}

const swept = new Set<string>()

/** Once per process and directory: leases of exited launchers go, so the directory stays small. */
function sweepOnce (leaseDir: string): void {
  if (swept.has(leaseDir)) return
  swept.add(leaseDir)
  let names: string[] = []
  try { names = readdirSync(leaseDir) } catch { return }
  const nowMs = Date.now()
  for (const name of names) {
    const file = join(leaseDir, name)
    if (/^\d+$/.test(name) ? leaseIsStale(file, nowMs) : draftIsStale(file, nowMs)) rmSync(file, { force: true })
  }
}

function draftIsStale (file: string, nowMs: number): boolean {
  try { return nowMs - statSync(file).mtimeMs > LEASE_MS } catch { return false }
}

/**
 * Shared by every launcher of this user on the machine, so not under TMPDIR: test runners
 * give each test file its own TMPDIR, and the leases must be seen across all of them.
 * ATPD_PORT_LEASE_DIR overrides it.
 */
function defaultLeaseDir (): string {
  const override = process.env.ATPD_PORT_LEASE_DIR
  if (override !== undefined && override !== '') return override
  let user = 'user'
  try { user = String(userInfo().uid) } catch { /* no uid on this platform */ }
  const base = process.platform !== 'win32' && existsSync('/tmp') ? '/tmp' : tmpdir()
  return join(base, `atpd-port-leases-${user}`)
}

async function bindSome (low: number, high: number, leaseDir: string): Promise<Server> {
  for (let attempt = 0; attempt < MAX_TRIES_PER_PORT && high - low > 1; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (!takeLease(leaseDir, port)) continue
    const server = await listen(port)
    if (server !== undefined) return server
    releaseLease(leaseDir, port)
  }
  // No room below the ephemeral range (or all tries taken): let the kernel choose.
  const server = await listen(0)
  if (server === undefined) throw new Error('no free loopback port')
  return server
}

async function listen (port: number): Promise<Server | undefined> {
  const server = createServer()
  return await new Promise((resolve) => {
    server.once('error', () => { resolve(undefined) })
    server.listen(port, '127.0.0.1', () => { resolve(server) })
  })
}

/**
 * Takes the lease of `port`: true when this process now holds it. A lease whose process
 * has exited, or older than LEASE_MS, is taken over.
 */
export function takeLease (leaseDir: string, port: number, nowMs = Date.now()): boolean {
  mkdirSync(leaseDir, { recursive: true })
  const file = join(leaseDir, String(port))
  // Written aside, then linked into place: a lease is never seen without its pid.
  const draft = join(leaseDir, `.${port}.${process.pid}.${Math.random().toString(36).slice(2)}`)
  writeFileSync(draft, String(process.pid))
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(draft, file)
        return true
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      // Two launchers taking over the same stale lease at once could both succeed; a
      // stale lease is left only by a process that died, and the bind that follows
      // still refuses a port that is really taken.
      if (!leaseIsStale(file, nowMs)) return false
      rmSync(file, { force: true })
    }
    return false
  } finally {
    rmSync(draft, { force: true })
  }
}

export function releaseLease (leaseDir: string, port: number): void {
  rmSync(join(leaseDir, String(port)), { force: true })
}

function leaseIsStale (file: string, nowMs: number): boolean {
  try {
    if (nowMs - statSync(file).mtimeMs > LEASE_MS) return true
    const pid = Number(readFileSync(file, 'utf8'))
    if (!Number.isInteger(pid) || pid <= 0) return true
    return !processAlive(pid)
  } catch {
    return true // gone meanwhile, or unreadable: let the exclusive create decide
  }
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // alive, another user's
  }
}
