// Port leases: a port handed out stays out of every other pick (in this process or any
// other launcher on the machine) until its lease ends, though nothing listens on it yet.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { candidateRange, freeLoopbackPorts, releaseLease, takeLease } from '../../../daemon/launcher/free-ports.ts'

async function bindable (port: number): Promise<boolean> {
  const server = createServer()
  return await new Promise((resolve) => {
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

/** `n` consecutive ports below the ephemeral range that are free right now. */
async function freeRange (n: number): Promise<[number, number]> {
  const [low, high] = candidateRange()
  for (;;) {
    const start = low + Math.floor(Math.random() * (high - low - n))
    const all = await Promise.all(Array.from({ length: n }, async (_, i) => await bindable(start + i)))
    if (all.every(Boolean)) return [start, start + n]
  }
}

const MODULE = join(import.meta.dirname, '../../../daemon/launcher/free-ports.ts')
const TSX = join(import.meta.dirname, '../../../node_modules/.bin/tsx')

function deadPid (): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}

describe('freeLoopbackPorts: leases', () => {
  let leaseDir: string
  beforeEach(() => { leaseDir = mkdtempSync(join(tmpdir(), 'atpd-lease-test-')) })
  afterEach(() => { rmSync(leaseDir, { recursive: true, force: true }) })

  it('never hands out a port again while its lease lasts, though nothing listens on it', async () => {
    const range = await freeRange(8)
    const first = await freeLoopbackPorts(4, { range, leaseDir })
    const second = await freeLoopbackPorts(4, { range, leaseDir })
    // Every port of the first pick is free again (released to its daemon) ...
    for (const port of first) expect(await bindable(port)).toBe(true)
    // ... and still not in the second.
    expect(new Set([...first, ...second]).size).toBe(8)
    for (const port of [...first, ...second]) {
      expect(port).toBeGreaterThanOrEqual(range[0])
      expect(port).toBeLessThan(range[1])
    }
  })

  it('skips ports leased by another live process, takes over leases of exited ones', async () => {
    const range = await freeRange(4)
    const [low] = range
    const alive = String(process.ppid)
    for (const port of [low, low + 1]) writeFileSync(join(leaseDir, String(port)), alive)
    for (const port of [low + 2, low + 3]) writeFileSync(join(leaseDir, String(port)), String(deadPid()))
    const got = await freeLoopbackPorts(2, { range, leaseDir })
    expect(got.sort()).toEqual([low + 2, low + 3])
  })

  it('shares leases between launchers whose TMPDIRs differ (test runners give every file its own)', async () => {
    const range = await freeRange(8)
    // Each launcher picks, prints its ports, and keeps running (as a launcher does while
    // its daemons run) until its stdin closes.
    const launch = async (tmp: string): Promise<{ ports: number[], stop: () => void }> => {
      const code = `import { freeLoopbackPorts } from ${JSON.stringify(MODULE)}
        process.stdout.write(JSON.stringify(await freeLoopbackPorts(4, { range: ${JSON.stringify(range)} })) + '\\n')
        process.stdin.resume(); process.stdin.on('end', () => process.exit(0))`
      const child = spawn(TSX, ['--input-type=module', '--eval', code], {
        env: { ...process.env, TMPDIR: tmp, ATPD_PORT_LEASE_DIR: '' }, stdio: ['pipe', 'pipe', 'inherit']
      })
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out) })
        child.once('exit', (code) => { reject(new Error(`launcher exited with ${code}`)) })
      })
      return { ports: JSON.parse(line) as number[], stop: () => { child.stdin.end() } }
    }
    const a = await launch(mkdtempSync(join(tmpdir(), 'a-')))
    const b = await launch(mkdtempSync(join(tmpdir(), 'b-')))
    a.stop()
    b.stop()
    expect(new Set([...a.ports, ...b.ports]).size).toBe(8)
  }, 60_000)

  it('takes a lease once; a released lease can be taken again', () => {
    expect(takeLease(leaseDir, 40_000)).toBe(true)
    expect(takeLease(leaseDir, 40_000)).toBe(false)
    releaseLease(leaseDir, 40_000)
    expect(takeLease(leaseDir, 40_000)).toBe(true)
  })

  it('takes over a lease older than its lifetime even when its process still runs', () => {
    writeFileSync(join(leaseDir, '40001'), String(process.pid))
    expect(takeLease(leaseDir, 40_001)).toBe(false)
    expect(takeLease(leaseDir, 40_001, Date.now() + 6 * 60_000)).toBe(true)
  })
})
