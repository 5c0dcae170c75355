/**
 * The one readiness check of a spawned atpd: its GET /v1/health answers 200 (the daemon
 * finished starting: sessions may still be coming up). A daemon that exits while being
 * waited for fails the wait at once, with its exit code, instead of at the deadline.
 */
import { AtpApiClient } from '../api/client.ts'
import { waitFor } from './wait-for.ts'

export class AtpdExitedError extends Error {
  constructor (readonly exitCode: number | null) { super(`process exited with code ${String(exitCode)}`) }
}

export interface ReadyOptions {
  readonly timeoutMs: number
  /** The exit code once the process exited, undefined while it runs. */
  readonly exited: () => number | null | undefined
  readonly token?: string | null
  readonly intervalMs?: number
  readonly what?: string
}

export async function waitReady (apiUrl: string, options: ReadyOptions): Promise<void> {
  const client = new AtpApiClient({ baseUrl: apiUrl, timeoutMs: 5000, ...(options.token != null ? { token: options.token } : {}) })
  let exited: number | null | undefined
  try {
    await waitFor(async () => {
      exited = options.exited()
      if (exited !== undefined) return true
      const r = await client.send<{ ok?: boolean }>('GET', '/v1/health')
      return r.status === 200 && r.body.ok === true
    }, { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 100, what: options.what ?? `${apiUrl} health` })
  } catch (err) {
    if (exited !== undefined) throw new AtpdExitedError(exited)
    throw err
  }
  if (exited !== undefined) throw new AtpdExitedError(exited)
}
