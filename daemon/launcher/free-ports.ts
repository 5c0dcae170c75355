/**
 * Free TCP ports on 127.0.0.1 for the launcher, the emulator, the integration fixture
 * and the soak: all `count` ports are held (bound) until every one is known, so no two
 * are the same, then released together. A port can still be taken between the release
 * and the daemon's own bind: a daemon's listener cannot be handed over across the
 * process boundary (libp2p's TCP transport binds its own socket), so a start that loses
 * that race fails and names its log.
 *
 * The ports come from below the kernel's ephemeral range, not from port 0. Port 0 hands
 * out ephemeral ports, and every outbound connection on the machine (libp2p dials, HTTP
 * clients of parallel tests) takes its source port from that same range: a port just
 * released was seen taken by a connection before the daemon bound it ("API port
 * already in use" in a full test run). Below the range only listeners compete, and they
 * pick at random.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'

/** Lowest port handed out. */
const MIN_PORT = 10_000
/** Linux's default start of the ephemeral range, when /proc does not say. */
const DEFAULT_EPHEMERAL_LOW = 32_768
const MAX_TRIES_PER_PORT = 64

export async function freeLoopbackPorts (count: number): Promise<number[]> {
  const servers: Server[] = []
  const [low, high] = candidateRange()
  try {
    for (let i = 0; i < count; i++) servers.push(await bindSome(low, high))
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

async function bindSome (low: number, high: number): Promise<Server> {
  for (let attempt = 0; attempt < MAX_TRIES_PER_PORT && high - low > 1; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low))
    const server = await listen(port)
    if (server !== undefined) return server
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
