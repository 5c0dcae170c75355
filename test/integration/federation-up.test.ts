// The demo does real work: `atp federation up` on the example templates (moved to free
// loopback ports and a temp dir, everything else as shipped) starts the five daemons
// and an SDK A2A agent behind each vendor's loopback endpoint, and prints one send
// command; running that command gets an answer through the federation and names the
// org that served it. Ctrl-C stops the daemons and the agents.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freeLoopbackPorts } from '../../daemon/launcher/free-ports.ts'
import { packagePath } from '../../daemon/package-root.ts'
import { FEDERATION_HOOK_TIMEOUT_MS } from '../../daemon/launcher/federation.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { runAtp } from '../helpers/cli-io.ts'

const TEMPLATES = packagePath('examples/federation')

/** The example templates with every loopback port mapped to a free one and data under `root`. */
async function movedTemplates (root: string): Promise<{ dir: string, ports: Map<number, number> }> {
  const dir = join(root, 'templates')
  mkdirSync(dir)
  const files = readdirSync(TEMPLATES).filter((f) => f.endsWith('.yaml'))
  const texts = files.map((f) => readFileSync(join(TEMPLATES, f), 'utf8'))
  const portRe = /(?<=127\.0\.0\.1(?::|\/tcp\/))(\d{4,5})\b/g
  const used = [...new Set(texts.flatMap((t) => [...t.matchAll(portRe)].map((m) => Number(m[1]))))]
  const fresh = await freeLoopbackPorts(used.length)
  const ports = new Map(used.map((p, i) => [p, fresh[i] as number]))
  for (const [i, f] of files.entries()) {
    const text = (texts[i] as string)
      .replace(portRe, (p) => String(ports.get(Number(p))))
      .replace(/^dataDir: .*$/m, `dataDir: ${join(root, 'data', f.replace(/\.yaml$/, ''))}`)
    writeFileSync(join(dir, f), text)
  }
  return { dir, ports }
}

async function listening (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { resolve(false) })
  })
}

describe('atp federation up: the demo answers tasks', () => {
  let root: string
  let child: ChildProcess | undefined
  let stdout = ''
  let stderr = ''
  let ports: Map<number, number>
  let exited: Promise<number | null>

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'atp-federation-up-'))
    const moved = await movedTemplates(root)
    ports = moved.ports
    child = spawn(process.execPath, [packagePath('bin/atp.js'), 'federation', 'up', '--templates', moved.dir, '--state', join(root, 'state'), '--start-timeout-s', '120'], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' }
    })
    child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s })
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    exited = new Promise((resolve) => { child?.once('close', (code) => { resolve(code) }) })
    await waitFor(() => {
      if (child?.exitCode !== null) throw new Error(`federation up exited ${String(child?.exitCode)}\n${stdout}\n${stderr}`)
      return stdout.includes('Ctrl-C stops the federation')
    }, { timeoutMs: FEDERATION_HOOK_TIMEOUT_MS - 10_000, intervalMs: 250, what: `federation up ready\n${stdout}\n${stderr}` })
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGINT')
      const timer = setTimeout(() => { child?.kill('SIGKILL') }, 20_000)
      await exited
      clearTimeout(timer)
    }
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  }, 30_000)

  it('prints a send command that answers through the federation and names the serving org', async () => {
    const line = stdout.split('\n').find((l) => l.includes(' send code-review/python '))
    expect(line, stdout).toBeDefined()
    const m = /npx atp --api (\S+) send (\S+) "([^"]+)"/.exec(line ?? '')
    expect(m, line).not.toBeNull()
    const [, api, capability, text] = m as unknown as [string, string, string, string]
    expect(api).toBe(`http://127.0.0.1:${ports.get(7103) ?? 0}`)
    // Sessions are up when federation up prints; the vendors' routes may still be on their way.
    const sent = await waitFor(async () => {
      const r = await runAtp(['--api', api, 'send', capability, text])
      return r.code === 0 ? r : undefined
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'a completed task through the demo federation' })
    const [answer, served] = sent.stdout.split('\n')
    expect(answer).toBe(`reviewed: ${text}`)
    expect(served).toMatch(/^served by (acme\/reviewer-1|globex\/cheap-reviewer) \(completed\)$/)
    expect(stderr).toMatch(/demo agent acme\/reviewer-1 \(code-review\/python\) at http:\/\/127\.0\.0\.1:\d+/)
  })

  it('Ctrl-C stops the daemons and the agents', async () => {
    child?.kill('SIGINT')
    expect(await exited).toBe(0)
    const agentPort = ports.get(9001) ?? 0
    expect(await listening(agentPort)).toBe(false)
    expect(await listening(ports.get(7103) ?? 0)).toBe(false)
  }, 30_000)
})
