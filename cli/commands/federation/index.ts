/**
 * `atp federation up`: a local federation on 127.0.0.1 from the site templates in
 * examples/federation/ (two reflectors, three vendor orgs). Keys are generated on
 * first run; rendered configs and logs go to the state dir (default ./.atp). A real
 * A2A agent (an echo reviewer) answers on each loopback endpoint the templates name,
 * so tasks sent through the federation get answers (--no-agents: run your own).
 * Ctrl-C stops every daemon and agent.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command } from 'commander'
import type { CliIo } from '../../context.ts'
import { CliError } from '../../errors.ts'
import { formatTable } from '../../table.ts'
import { packagePath } from '../../../daemon/package-root.ts'
import type { DemoAgent } from '../../../daemon/launcher/demo-agents.ts'
import type { RunningSite } from '../../../daemon/launcher/launcher.ts'

export const DEFAULT_TEMPLATES = packagePath('examples/federation/')

interface UpOptions { templates: string, state: string, startTimeoutS: string, agents: boolean }

export function federationCommand (io: CliIo): Command {
  const federation = new Command('federation').description('run a local federation for trying atpd out')
  federation.command('up')
    .description('start a local federation (3 vendor orgs + 2 reflectors on 127.0.0.1); Ctrl-C stops it')
    .option('--templates <dir>', 'site config templates ({{site}} = that site\'s peer id)', DEFAULT_TEMPLATES)
    .option('--state <dir>', 'where rendered configs and logs go', './.atp')
    .option('--start-timeout-s <s>', 'how long to wait for every API', '60')
    .option('--no-agents', 'do not start demo A2A agents on the templates\' loopback endpoints')
    .action(async (opts: UpOptions) => { await federationUp(opts, io) })
  return federation
}

async function federationUp (opts: UpOptions, io: CliIo): Promise<void> {
  const [{ startSite, stopAll, waitHealthy, waitSessions }, { readTemplates, renderSites }, { startDemoAgents }] = await Promise.all([
    import('../../../daemon/launcher/launcher.ts'), import('../../../daemon/launcher/templates.ts'), import('../../../daemon/launcher/demo-agents.ts')
  ])
  const stateDir = resolve(opts.state)
  mkdirSync(stateDir, { recursive: true })
  const sites = await renderSites(readTemplates(opts.templates))
  const running: RunningSite[] = []
  // The agents first: a daemon probes its agents' cards as soon as it starts.
  const agents = opts.agents ? await startDemoAgents(sites) : undefined
  for (const a of agents?.started ?? []) io.err(`demo agent ${a.org}/${a.agentId} (${a.capability}) at ${a.url}\n`)
  for (const s of agents?.skipped ?? []) io.err(`no demo agent at ${s.endpoint}: ${s.reason}\n`)
  const stopped = new Promise<string>((resolveStop) => {
    process.once('SIGINT', () => { resolveStop('interrupted') })
    process.once('SIGTERM', () => { resolveStop('terminated') })
  })
  try {
    for (const site of sites) {
      const configPath = join(stateDir, `${site.site}.yaml`)
      writeFileSync(configPath, site.yaml)
      if (site.created) io.err(`created key for ${site.site}: ${site.peerId}\n`)
      running.push(startSite(site, configPath, stateDir))
    }
    await waitHealthy(running, Number(opts.startTimeoutS) * 1000)
    const sessions = await waitSessions(running, 30_000)
    io.out(formatTable(running, [
      { header: 'SITE', value: (s) => s.site.site },
      { header: 'ORG', value: (s) => s.site.config.org },
      { header: 'ROLE', value: (s) => s.site.config.role },
      { header: 'API', value: (s) => s.apiUrl },
      { header: 'SESSIONS', value: (s) => sessionSummary(sessions.get(s.site.site) ?? []) },
      { header: 'AGENTS', value: (s) => s.site.config.agents.length, align: 'right' },
      { header: 'PEER ID', value: (s) => s.site.peerId }
    ]))
    const consumer = running.find((s) => s.site.config.role === 'peer' && s.site.config.agents.length === 0) ?? running[0]
    io.out(`\nlogs and rendered configs: ${stateDir}\ntry, in another terminal:\n` +
      `  npx atp --api ${consumer?.apiUrl ?? ''} resolve code-review/python --max-cost 1\n` +
      sendExample(running, consumer, agents?.started ?? []) +
      `  npx atp --api ${consumer?.apiUrl ?? ''} routes\n` +
      memoryExample(running, consumer) +
      `  open ${consumer?.apiUrl ?? ''}/ for the looking glass\nCtrl-C stops the federation.\n`)
    const died = new Promise<string>((resolveDied) => {
      for (const s of running) s.child.once('exit', (code) => { resolveDied(`${s.site.site} exited (code ${code ?? 'signal'}); see ${s.log}`) })
    })
    const why = await Promise.race([stopped, died])
    io.err(`stopping the federation (${why})\n`)
    if (why.includes('exited')) throw new CliError(why)
  } finally {
    await stopAll(running)
    await agents?.stop()
  }
}

/** A task through the federation to a capability a demo agent serves (code review first). */
function sendExample (running: readonly RunningSite[], consumer: RunningSite | undefined, agents: readonly DemoAgent[]): string {
  const served = new Set(agents.map((a) => a.capability))
  const capability = served.has('code-review/python') ? 'code-review/python' : [...served][0]
  if (consumer === undefined || capability === undefined || running.length === 0) return ''
  return `  npx atp --api ${consumer.apiUrl} send ${capability} "def add(a, b): return a + b"     (answered by an agent of ${[...new Set(agents.filter((a) => a.capability === capability).map((a) => a.org))].join(' or ')})\n`
}

/** A write at one member site and a read at another, when the sites share a memory namespace. */
function memoryExample (running: readonly RunningSite[], consumer: RunningSite | undefined): string {
  const ns = consumer?.site.config.memory.namespaces[0]
  if (consumer === undefined || ns === undefined) return ''
  const writer = running.find((s) => s !== consumer && s.site.config.role === 'peer' && ns.writers.includes(s.site.config.org)) ?? consumer
  return `  npx atp --api ${writer.apiUrl} mem put ${ns.id} incident-1 '{"status":"open"}'\n` +
    `  npx atp --api ${consumer.apiUrl} mem get ${ns.id} incident-1     (written by ${writer.site.config.org}, read at ${consumer.site.config.org})\n` +
    `  npx atp --api ${consumer.apiUrl} mem namespaces\n`
}

function sessionSummary (states: readonly string[]): string {
  const up = states.filter((s) => s === 'established').length
  return `${up}/${states.length} up`
}
