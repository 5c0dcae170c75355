/**
 * The API's public JSON (the server's own types, daemon/api/views.ts) and small helpers
 * over the package's API client with short deadlines: a frozen or killed daemon must
 * fail a probe, never hang it.
 */
import { AtpApiClient } from '../api/client.ts'
import type { RouteJson } from '../api/views.ts'

export type { CandidateJson, PeerJson, RouteJson } from '../api/views.ts'
export type { ResolveJson } from '../api/client.ts'

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
  const client = new AtpApiClient({ baseUrl, timeoutMs: REQUEST_TIMEOUT_MS })
  const r = await client.send<T>(init.method ?? 'GET', path, init.body !== undefined ? { body: init.body } : {})
  return { status: r.status, body: r.body }
}

/** A route's identity across views: the path id (origin org, agent) and capability. */
export function routeKey (r: Pick<RouteJson, 'capability' | 'org' | 'agent'>): string {
  return `${r.capability}|${r.org}|${r.agent}`
}

export function findRoute (routes: readonly RouteJson[], org: string, agent: string): RouteJson | undefined {
  return routes.find((r) => r.org === org && r.agent === agent)
}
