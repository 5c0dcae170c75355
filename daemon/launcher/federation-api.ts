/**
 * The public JSON of the API (issue 3's Contract) as the federation tests read it,
 * and small HTTP helpers with timeouts: a frozen or killed daemon must fail a probe,
 * never hang it.
 */

export interface RouteJson {
  capability: string
  org: string
  agent: string
  path: string[]
  originatorId: string
  clusterList: string[]
  costUsd: number
  latencyMs: { p50: number, p95: number }
  winRate: { wins: number, trials: number }
  region: string
  tags: string[]
  measuredAt: string | null
  state: 'active' | 'suppressed' | 'stale'
  penalty: number
  best: boolean
  /** Additive fields of daemon/api/views.ts. */
  fromPeer?: string
  usable?: boolean
  site?: string
  sitePath?: string[]
}

export interface CandidateJson extends RouteJson {
  score: number
  reason: string
}

export interface ResolveJson {
  capability: string
  candidates: CandidateJson[]
}

export interface PeerJson {
  peerId: string
  org: string
  role: 'reflector' | 'client' | 'peer' | 'partner' | 'site' | 'site-reflector' | 'site-client'
  site?: string
  state: 'idle' | 'connect' | 'open-sent' | 'open-confirm' | 'established'
  routesReceived: number
  routesSent: number
  interests?: string[]
}

export interface HttpResult<T> {
  readonly status: number
  readonly body: T
}

export class ApiError extends Error {
  constructor (readonly status: number, readonly body: unknown, what: string) {
    super(`${what} → ${status} ${JSON.stringify(body)}`)
  }
}

const REQUEST_TIMEOUT_MS = 3_000

export async function httpJson<T> (baseUrl: string, path: string, init: { method?: string, body?: unknown } = {}): Promise<HttpResult<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* not JSON: keep the text for the message */ }
  return { status: res.status, body: body as T }
}

/** A route's identity across views: the path id (origin org, agent) and capability. */
export function routeKey (r: Pick<RouteJson, 'capability' | 'org' | 'agent'>): string {
  return `${r.capability}|${r.org}|${r.agent}`
}

export function findRoute (routes: readonly RouteJson[], org: string, agent: string): RouteJson | undefined {
  return routes.find((r) => r.org === org && r.agent === agent)
}
