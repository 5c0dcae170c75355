/**
 * The reflect bench, BIRD 2 side: the same shape as bench/reflect/atpd.ts — an origin,
 * a route reflector (RFC 4456) and RECEIVERS clients, one `bird` process each on its own
 * 127.0.0.x address (iBGP, AS 65000) — measured the same way: `seconds` from the
 * origin's session Established at the reflector to the slowest receiver holding every
 * route (`show route count`, polled every 50 ms over the control socket); RSS and CPU
 * of the reflector process from /proc.
 *
 * Every route has attributes of its own, as atpd's do: a /32 of 10.0.0.0/8, a MED and
 * a large community (capability, agent) per route.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BirdControl, isEstablished, routeCount } from './bird-control.ts'
import { measureConvergence } from './measure-convergence.ts'
import { procStats, sleep } from './proc-stats.ts'
import { AGENTS_PER_CAPABILITY, RECEIVERS, type ReflectFigures } from './shape.ts'

const AS = 65000

/** The bird binary, or undefined when BIRD 2 is not installed. */
export function birdBinary (): string | undefined {
  const r = spawnSync('bird', ['--version'], { encoding: 'utf8' })
  if (r.error !== undefined) return undefined
  return /BIRD version 2\./.test(`${r.stdout}${r.stderr}`) ? 'bird' : undefined
}

interface BirdDaemon {
  readonly name: string
  readonly child: ChildProcess
  readonly socket: string
  control?: BirdControl
}

export async function runBirdReflect (routes: number, progress: (s: string) => void): Promise<ReflectFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'atp-bird-'))
  // A third octet of our own, so two runs on one host do not collide on 127.0.0.x:179.
  const net = `127.${1 + (process.pid % 200)}.${(process.pid >> 8) % 250}`
  const ip = (i: number): string => `${net}.${i + 2}`
  const names = ['origin', 'rr', ...Array.from({ length: RECEIVERS }, (_, i) => `recv${i + 1}`)]
  const daemons: BirdDaemon[] = []
  const start = async (i: number, conf: string): Promise<BirdDaemon> => {
    const name = names[i] as string
    const confPath = join(dir, `${name}.conf`)
    const socket = join(dir, `${name}.sock`)
    writeFileSync(confPath, conf)
    const child = spawn('bird', ['-f', '-c', confPath, '-s', socket], { stdio: ['ignore', 'ignore', 'pipe'] })
    const d: BirdDaemon = { name, child, socket }
    daemons.push(d)
    d.control = await connectWhenUp(socket, child)
    return d
  }
  try {
    const rr = await start(1, rrConf(ip, names))
    const receivers = await Promise.all(names.slice(2).map(async (_, k) => await start(k + 2, receiverConf(ip, k + 2))))
    const rrControl = must(rr.control)
    await until(async () => {
      for (let k = 0; k < receivers.length; k++) if (!isEstablished(await rrControl.command(`show protocols c${k + 2}`))) return false
      return true
    }, 60_000)
    const rrPid = must(rr.child.pid)
    await sleep(500)
    const before = procStats(rrPid)
    progress(`reflect bird: receivers up; starting the origin with ${routes} routes`)
    await start(0, originConf(ip, routes))
    await until(async () => isEstablished(await rrControl.command('show protocols c0')), 120_000, 5)
    return await measureConvergence({
      routes, receivers: receivers.length, establishedMs: Date.now(), reflectorPid: rrPid, before, progress, label: 'reflect bird',
      counts: async () => await Promise.all(receivers.map(async (r) => routeCount(await must(r.control).command('show route count'))))
    })
  } finally {
    for (const d of daemons) { d.control?.close(); d.child.kill('SIGTERM') }
    await Promise.all(daemons.map(async (d) => { if (d.child.exitCode === null) await new Promise((resolve) => d.child.once('exit', resolve)) }))
    rmSync(dir, { recursive: true, force: true })
  }
}

function header (ip: (i: number) => string, i: number): string {
  return `router id ${ip(i)};\nprotocol device {}\n`
}

function session (ip: (i: number) => string, self: number, other: number, channel: string, rrClient = false): string {
  return `protocol bgp c${other} {\n  local ${ip(self)} as ${AS};\n  neighbor ${ip(other)} as ${AS};\n  strict bind yes;\n` +
    `${rrClient ? '  rr client;\n' : ''}  ipv4 { ${channel} };\n}\n`
}

function originConf (ip: (i: number) => string, routes: number): string {
  const lines: string[] = [header(ip, 0), 'protocol static bench {\n  ipv4;\n']
  for (let i = 0; i < routes; i++) {
    const cap = Math.floor(i / AGENTS_PER_CAPABILITY)
    const agent = i % AGENTS_PER_CAPABILITY
    lines.push(`  route 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 blackhole { bgp_med = ${i}; bgp_large_community.add((${AS}, ${cap}, ${agent})); };\n`)
  }
  lines.push('}\n', session(ip, 0, 1, 'import none; export all; next hop self;'))
  return lines.join('')
}

function rrConf (ip: (i: number) => string, names: readonly string[]): string {
  let conf = header(ip, 1)
  for (let i = 0; i < names.length; i++) if (i !== 1) conf += session(ip, 1, i, 'import all; export all;', true)
  return conf
}

function receiverConf (ip: (i: number) => string, self: number): string {
  return header(ip, self) + session(ip, self, 1, 'import all; export none;')
}

async function connectWhenUp (socket: string, child: ChildProcess): Promise<BirdControl> {
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  return await until(async () => {
    if (child.exitCode !== null) throw new Error(`bird exited (${child.exitCode}): ${stderr}`)
    return await BirdControl.connect(socket)
  }, 30_000, 50, true)
}

async function until<T> (probe: () => Promise<T | false>, timeoutMs: number, intervalMs = 100, rethrowExit = false): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await probe()
      if (v !== false) return v
    } catch (err) {
      if (rethrowExit && String(err).includes('bird exited')) throw err
    }
    if (Date.now() > deadline) throw new Error('reflect bench (bird): timed out waiting')
    await sleep(intervalMs)
  }
}

function must<T> (v: T | undefined): T {
  if (v === undefined) throw new Error('reflect bench (bird): not started')
  return v
}
