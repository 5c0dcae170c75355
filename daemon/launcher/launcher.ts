/**
 * Runs a local federation as child atpd processes (one per site), each logging to
 * <state>/<site>.log. Waits for every API to answer, reports session states, and
 * stops everything on Ctrl-C or when any daemon dies.
 */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { AtpApiClient } from '../api/client.ts'
import { apiUrlFromListen } from '../config/api-url.ts'
import { LaunchError } from './errors.ts'
import { AtpdExitedError, waitReady } from './readiness.ts'
import { spawnAtpdGroup, stopAtpd, type SpawnedAtpd } from './spawn.ts'
import type { RenderedSite } from './templates.ts'
import { waitFor } from './wait-for.ts'

export interface RunningSite {
  readonly site: RenderedSite
  readonly apiUrl: string
  readonly log: string
  readonly child: ChildProcess
  readonly spawned: SpawnedAtpd
  exited: boolean
}

export function startSite (site: RenderedSite, configPath: string, stateDir: string): RunningSite {
  const log = join(stateDir, `${site.site}.log`)
  // Own process group: a terminal's Ctrl-C reaches only this CLI, which then stops each
  // daemon with exactly one SIGTERM (a second signal would force an unclean exit).
  const spawned = spawnAtpdGroup(['--config', configPath], { output: { logFile: log } })
  const running: RunningSite = { site, apiUrl: apiUrlFromListen(site.config.api.listen) ?? '', log, child: spawned.child, spawned, exited: false }
  spawned.child.once('exit', () => { running.exited = true })
  return running
}

export async function waitHealthy (sites: readonly RunningSite[], deadlineMs: number): Promise<void> {
  for (const s of sites) {
    try {
      await waitReady(s.apiUrl, { timeoutMs: deadlineMs, intervalMs: 250, token: s.site.config.api.token, exited: () => s.exited ? s.child.exitCode : undefined })
    } catch (err) {
      if (err instanceof AtpdExitedError) throw new LaunchError(`${s.site.site}: atpd exited during start (exit code ${err.exitCode ?? '?'}); see ${s.log}`)
      throw new LaunchError(`${s.site.site}: API ${s.apiUrl} did not answer within ${deadlineMs / 1000} s; see ${s.log}`)
    }
  }
}

/** Session states per site once all are established or the deadline passed. */
export async function waitSessions (sites: readonly RunningSite[], deadlineMs: number): Promise<Map<string, string[]>> {
  const states = new Map<string, string[]>()
  await waitFor(async () => {
    for (const s of sites) {
      const token = s.site.config.api.token
      const client = new AtpApiClient({ baseUrl: s.apiUrl, timeoutMs: 2000, ...(token !== null ? { token } : {}) })
      const peers = await client.peers().catch(() => undefined)
      states.set(s.site.site, peers?.map((p) => p.state) ?? [])
    }
    return [...states.values()].every((list) => list.every((st) => st === 'established'))
  }, { timeoutMs: deadlineMs, intervalMs: 500, what: 'sessions' }).catch(() => {})
  return states
}

/** SIGTERM every daemon's process group (a clean stop: NOTIFICATION cease, flush), SIGKILL stragglers. */
export async function stopAll (sites: readonly RunningSite[], graceMs = 10_000): Promise<void> {
  await Promise.all(sites.map(async (s) => { if (!s.exited) await stopAtpd(s.spawned, graceMs) }))
}

