/**
 * The daemon's operator conventions on a real atpd process: --version, --help with the
 * signals, --check (exit 0/2, effective config), start errors that name the config key
 * without a stack trace, and SIGHUP reloading the config file.
 */
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { prepareSites, runAtpd, type AtpdProcess } from '../helpers/atpd-process.ts'
import { agentFields } from '../helpers/fixtures.ts'
import { waitFor } from '../helpers/wait-for.ts'

async function occupy (port: number): Promise<Server> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve))
  return srv
}

describe('atpd conventions', () => {
  const started: AtpdProcess[] = []
  afterAll(async () => { await Promise.all(started.map(async (s) => await s.stop())) })

  it('--version and --help (flags and signals) exit 0', async () => {
    const version = await runAtpd(['--version'])
    expect(version.code).toBe(0)
    expect(version.output).toMatch(/^atpd \d+\.\d+\.\d+\n$/)
    const help = await runAtpd(['--help'])
    expect(help.code).toBe(0)
    for (const word of ['--config', '--check', '--log-level', '--version', 'SIGHUP', 'SIGTERM']) expect(help.output).toContain(word)
  })

  it('--check prints the effective config and exits 0; an invalid config exits 2', async () => {
    const [site] = await prepareSites([{ org: 'check' }])
    if (site === undefined) throw new Error('no site')
    writeFileSync(site.configPath, JSON.stringify(site.config))
    const ok = await runAtpd(['--check', '--config', site.configPath])
    expect(ok.code).toBe(0)
    expect(ok.output).toContain('org: check')
    expect(ok.output).toContain('halfLifeS:') // a default filled in
    writeFileSync(site.configPath, JSON.stringify({ ...site.config, holdTimeS: 1 }))
    const bad = await runAtpd(['--check', '--config', site.configPath])
    expect(bad.code).toBe(2)
    expect(bad.output).toContain('holdTimeS')
  })

  it('a busy API or libp2p port names the config key, without a stack trace', async () => {
    const [site] = await prepareSites([{ org: 'busy' }])
    if (site === undefined) throw new Error('no site')
    for (const [port, key] of [[site.apiPort, `api.listen 127.0.0.1:${site.apiPort} is in use`], [site.p2pPort, `listen[0] /ip4/127.0.0.1/tcp/${site.p2pPort} is in use`]] as const) {
      const srv = await occupy(port)
      try {
        writeFileSync(site.configPath, JSON.stringify(site.config))
        const run = await runAtpd(['--config', site.configPath])
        expect(run.code).toBe(1)
        expect(run.output).toContain(key)
        expect(run.output).not.toMatch(/\n\s+at /)
      } finally {
        srv.close()
      }
    }
  })

  it('SIGHUP applies config agents live and names the keys that need a restart', async () => {
    const [site] = await prepareSites([{ org: 'reload', config: { agents: [{ id: 'a1', ...agentFields({ capability: 'summarize/en' }) }] } }])
    if (site === undefined) throw new Error('no site')
    started.push(site)
    await site.start()
    site.config = { ...site.config, mraiMs: 50, agents: [{ id: 'a2', ...agentFields({ capability: 'translate/fr' }) }] }
    writeFileSync(site.configPath, JSON.stringify(site.config))
    process.kill(site.pid ?? 0, 'SIGHUP')
    await waitFor(() => site.logs.includes('config reloaded'), { what: 'the reload log line' })
    expect(site.logs).toContain('take effect only after a restart: mraiMs')
    const agents = await site.api<{ agents: { id: string }[] }>('GET', '/v1/agents')
    expect(agents.body.agents.map((a) => a.id)).toEqual(['a2'])
    writeFileSync(site.configPath, 'org: [')
    process.kill(site.pid ?? 0, 'SIGHUP')
    await waitFor(() => site.logs.includes('config reload refused'), { what: 'the refusal log line' })
    expect(site.running).toBe(true)
  })
})
