/**
 * The daemon's operator conventions on a real atpd process: --version, --help with the
 * signals, --check (exit 0/2, effective config), start errors that name the config key
 * without a stack trace, and SIGHUP reloading the config file.
 */
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { addNeighbor, cleanupSites, prepareSites, runAtpd, type AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { agentFields } from '../helpers/fixtures.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

async function occupy (port: number): Promise<Server> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve))
  return srv
}

describe('atpd conventions', () => {
  const sites: AtpdProcess[] = []
  afterAll(async () => { await cleanupSites(sites) })
  async function site (org: string, config: Record<string, unknown> = {}): Promise<AtpdProcess> {
    const [s] = await prepareSites([{ org, config }])
    if (s === undefined) throw new Error('no site')
    sites.push(s)
    return s
  }

  it('--version and --help (flags and signals) exit 0', async () => {
    const version = await runAtpd(['--version'])
    expect(version.code).toBe(0)
    expect(version.output).toMatch(/^atpd \d+\.\d+\.\d+\n$/)
    const help = await runAtpd(['--help'])
    expect(help.code).toBe(0)
    for (const word of ['--config', '--check', '--log-level', '--version', 'SIGHUP', 'SIGTERM']) expect(help.output).toContain(word)
  })

  it('--check prints the effective config and exits 0; an invalid config exits 2', async () => {
    const checked = await site('check')
    writeFileSync(checked.configPath, JSON.stringify(checked.config))
    const ok = await runAtpd(['--check', '--config', checked.configPath])
    expect(ok.code).toBe(0)
    expect(ok.output).toContain('org: check')
    expect(ok.output).toContain('halfLifeS:') // a default filled in
    writeFileSync(checked.configPath, JSON.stringify({ ...checked.config, holdTimeS: 1 }))
    const bad = await runAtpd(['--check', '--config', checked.configPath])
    expect(bad.code).toBe(2)
    expect(bad.output).toContain('holdTimeS')
  }, 180_000) // two atpd runs one after the other: over 60 s at load ~37

  it('a busy API or libp2p port names the config key, without a stack trace', async () => {
    const busy = await site('busy')
    for (const [port, key] of [[busy.apiPort, `api.listen 127.0.0.1:${busy.apiPort} is in use`], [busy.p2pPort, `listen[0] /ip4/127.0.0.1/tcp/${busy.p2pPort} is in use`]] as const) {
      const srv = await occupy(port)
      try {
        writeFileSync(busy.configPath, JSON.stringify(busy.config))
        const run = await runAtpd(['--config', busy.configPath])
        expect(run.code).toBe(1)
        expect(run.output).toContain(key)
        expect(run.output).not.toMatch(/\n\s+at /)
      } finally {
        srv.close()
      }
    }
  }, 180_000) // two daemon starts, each over 30 s on a loaded machine

  it('SIGHUP applies config agents, policy and damping live and names the keys that need a restart', async () => {
    const reloaded = await site('reload', { agents: [{ id: 'a1', ...agentFields({ capability: 'summarize/en' }) }] })
    await reloaded.start()
    reloaded.config = {
      ...reloaded.config,
      mraiMs: 50,
      agents: [{ id: 'a2', ...agentFields({ capability: 'translate/fr' }) }],
      policy: { export: [{ capability: 'translate', action: 'reject' }] },
      damping: { halfLifeS: 600 }
    }
    writeFileSync(reloaded.configPath, JSON.stringify(reloaded.config))
    process.kill(reloaded.pid ?? 0, 'SIGHUP')
    await waitFor(() => reloaded.logs.includes('config reloaded'), { what: 'the reload log line' })
    expect(reloaded.logs).toContain('take effect only after a restart: mraiMs"')
    expect(reloaded.logs).toContain('"policyOrDampingApplied":true')
    const agents = await reloaded.api<{ agents: { id: string }[] }>('GET', '/v1/agents')
    expect(agents.body.agents.map((a) => a.id)).toEqual(['a2'])
    writeFileSync(reloaded.configPath, 'org: [')
    process.kill(reloaded.pid ?? 0, 'SIGHUP')
    await waitFor(() => reloaded.logs.includes('config reload refused'), { what: 'the refusal log line' })
    expect(reloaded.running).toBe(true)
  })

  it('a session refused for a wrong org is logged at info with the reason', async () => {
    const a = await site('alpha')
    const b = await site('beta')
    addNeighbor(a, b, 'partner')
    addNeighbor(b, a, 'partner')
    const neighbors = a.config.neighbors as Record<string, unknown>[]
    a.config.neighbors = neighbors.map((n) => ({ ...n, org: 'gamma' })) // alpha expects gamma, beta says beta
    await Promise.all([a.start(), b.start()])
    const line = await waitFor(() => a.logs.split('\n').find((l) => l.includes('"msg":"session closed"')), { what: 'the session closed line' })
    const entry = JSON.parse(line) as { level: number, peer: string, reason: string }
    expect(entry.level).toBe(30) // info
    expect(entry.peer).toBe(b.peerId)
    expect(entry.reason).toMatch(/org/i)
  })
})
