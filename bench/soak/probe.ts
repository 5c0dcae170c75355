/**
 * Per-daemon samples: RSS and open fds from /proc (Linux), and the Prometheus counters
 * the soak watches from GET /metrics.
 */
import { readdir, readFile } from 'node:fs/promises'
import { AtpApiClient } from '../../daemon/api/client.ts'

export interface ProcSample {
  readonly rssKiB: number
  readonly fds: number
}

/** VmRSS and the number of entries in /proc/<pid>/fd; undefined when the process is gone. */
export async function sampleProc (pid: number): Promise<ProcSample | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    const fds = (await readdir(`/proc/${pid}/fd`)).length
    return m?.[1] === undefined ? undefined : { rssKiB: Number(m[1]), fds }
  } catch {
    return undefined
  }
}

/**
 * Series the soak reports, by metric name; labelled series are summed per the label
 * listed (e.g. `atpd_updates_total{direction="in"}` → `atpd_updates_total.in`).
 */
const WATCHED: Readonly<Record<string, string | undefined>> = {
  atpd_sessions: 'state',
  atpd_routes: 'state',
  atpd_updates_total: 'direction',
  atpd_update_routes_total: 'direction',
  atpd_decode_errors_total: undefined,
  atpd_signature_failures_total: undefined,
  atpd_max_routes_trips_total: undefined,
  atpd_damping_suppressions_total: undefined,
  atpd_memory_envelopes_total: 'outcome',
  atpd_memory_sync_dropped_total: 'reason',
  atpd_memory_parked: undefined,
  atpd_nodejs_heap_size_used_bytes: undefined,
  atpd_nodejs_eventloop_lag_p99_seconds: undefined,
  atpd_nodejs_active_handles_total: undefined
}

/** API requests answered 5xx: a bug by the API's own definition (docs/api.md). */
const API_5XX = 'atpd_api_requests_5xx'

export function parseWatchedMetrics (text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line)
    if (m === null) continue
    const [, name = '', labels = '', raw = ''] = m
    const value = Number(raw)
    if (!Number.isFinite(value)) continue
    if (name === 'atpd_api_requests_total') {
      if (/status="5\d\d"/.test(labels)) out[API_5XX] = (out[API_5XX] ?? 0) + value
      continue
    }
    if (!(name in WATCHED)) continue
    const label = WATCHED[name]
    const labelValue = label === undefined ? undefined : new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1]
    const key = labelValue === undefined ? name : `${name}.${labelValue}`
    out[key] = (out[key] ?? 0) + value
  }
  return out
}

export async function fetchMetrics (apiUrl: string): Promise<Record<string, number> | undefined> {
  try {
    return parseWatchedMetrics(await new AtpApiClient({ baseUrl: apiUrl, timeoutMs: 3000 }).metrics())
  } catch {
    return undefined
  }
}
