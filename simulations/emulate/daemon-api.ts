/**
 * The few atpd API calls emulation makes (docs/api.md): agents, peers, routes. Every
 * call has a timeout; a daemon that does not answer is an error naming it.
 */
import type { RouteRow } from './tables.ts'

const CALL_TIMEOUT_MS = 5000

export interface PeerRow {
  readonly peerId: string
  readonly org: string
  readonly state: string
}

export async function call (apiUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: unknown }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status: res.status, body: parsed }
}

async function getList<T> (apiUrl: string, path: string, key: string): Promise<T[]> {
  const r = await call(apiUrl, 'GET', path)
  const list = (r.body as Record<string, unknown> | null)?.[key]
  if (r.status !== 200 || !Array.isArray(list)) throw new Error(`GET ${apiUrl}${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
  return list as T[]
}

export async function getRoutes (apiUrl: string): Promise<RouteRow[]> {
  return await getList<RouteRow>(apiUrl, '/v1/routes', 'routes')
}

export async function getPeers (apiUrl: string): Promise<PeerRow[]> {
  return await getList<PeerRow>(apiUrl, '/v1/peers', 'peers')
}

export async function putAgent (apiUrl: string, id: string, body: Record<string, unknown>): Promise<void> {
  const r = await call(apiUrl, 'PUT', `/v1/agents/${encodeURIComponent(id)}`, body)
  if (r.status >= 300) throw new Error(`PUT ${apiUrl}/v1/agents/${id}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
}

/** DELETE; an agent that is not there (404) is already withdrawn. */
export async function deleteAgent (apiUrl: string, id: string): Promise<void> {
  const r = await call(apiUrl, 'DELETE', `/v1/agents/${encodeURIComponent(id)}`)
  if (r.status >= 300 && r.status !== 404) throw new Error(`DELETE ${apiUrl}/v1/agents/${id}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
}
