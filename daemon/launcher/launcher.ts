/**
 * Runs a local federation as child atpd processes (one per site), each logging to
 * <state>/<site>.log. Waits for every API to answer, reports session states, and
 * stops everything on Ctrl-C or when any daemon dies.
 */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AtpApiClient } from '../api/client.ts'
import { apiUrlFromListen } from '../config/api-url.ts'
import { LaunchError } from './errors.ts'
import { signalAtpd, spawnAtpdGroup } from './spawn.ts'
import type { RenderedSite } from './templates.ts'

export interface RunningSite {
  readonly site: RenderedSite
  readonly apiUrl: string
  readonly log: string
  readonly child: ChildProcess
  exited: boolean
}

export function startSite (site: RenderedSite, configPath: string, stateDir: string): RunningSite {
  const log = join(stateDir, `${site.site}.log`)
  // Own process group: a terminal's Ctrl-C reaches only this CLI, which then stops each
  // daemon with exactly one SIGTERM (a second signal would force an unclean exit).
  const { child } = spawnAtpdGroup(['--config', configPath], { output: { logFile: log } })
  const running: RunningSite = { site, apiUrl: apiUrlFromListen(site.config.api.listen) ?? '', log, child, exited: false }
  // If this CLI dies without stopping them, do not leave daemons behind.
  const reap = (): void => { if (!running.exited) signalAtpd(child, 'SIGTERM') }
  process.once('exit', reap)
  child.once('exit', () => {
    running.exited = true
    process.removeListener('exit', reap)
  })
  return running
}

/** Polls `probe` every intervalMs until it is true or the deadline passes. */
export async function waitFor (probe: () => Promise<boolean>, deadlineMs: number, intervalMs = 250): Promise<boolean> {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    if (await probe()) return true
    await sleep(intervalMs)
  }
  return await probe()
}

/** The 2xx JSON body of GET apiUrl+path, or undefined (down, refused, an error status). */
async function getJson (apiUrl: string, path: string, token: string | null): Promise<unknown> {
  try {
    const r = await new AtpApiClient({ baseUrl: apiUrl, timeoutMs: 2000, ...(token !== null ? { token } : {}) }).send('GET', path)
    return r.status >= 200 && r.status < 300 ? r.body : undefined
  } catch {
    return undefined
  }
}

export async function waitHealthy (sites: readonly RunningSite[], deadlineMs: number): Promise<void> {
  for (const s of sites) {
    const ok = await waitFor(async () => {
      if (s.exited) throw new LaunchError(`${s.site.site}: atpd exited during start (exit code ${s.child.exitCode ?? '?'}); see ${s.log}`)
      return (await getJson(s.apiUrl, '/v1/health', s.site.config.api.token)) !== undefined
    }, deadlineMs)
    if (!ok) throw new LaunchError(`${s.site.site}: API ${s.apiUrl} did not answer within ${deadlineMs / 1000} s; see ${s.log}`)
  }
}

/** Session states per site once all are established or the deadline passed. */
export async function waitSessions (sites: readonly RunningSite[], deadlineMs: number): Promise<Map<string, string[]>> {
  const states = new Map<string, string[]>()
  await waitFor(async () => {
    for (const s of sites) {
      const body = await getJson(s.apiUrl, '/v1/peers', s.site.config.api.token) as { peers?: { state: string }[] } | undefined
      states.set(s.site.site, body?.peers?.map((p) => p.state) ?? [])
    }
    return [...states.values()].every((list) => list.every((st) => st === 'established'))
  }, deadlineMs, 500)
  return states
}

/** SIGTERM every daemon's process group (a clean stop: NOTIFICATION cease, flush), SIGKILL stragglers. */
export async function stopAll (sites: readonly RunningSite[], graceMs = 10_000): Promise<void> {
  for (const s of sites) if (!s.exited) signalAtpd(s.child, 'SIGTERM')
  const done = await waitFor(async () => sites.every((s) => s.exited), graceMs, 100)
  if (!done) for (const s of sites) if (!s.exited) signalAtpd(s.child, 'SIGKILL')
}
