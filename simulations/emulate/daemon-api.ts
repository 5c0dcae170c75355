/**
 * The few atpd API calls emulation makes (docs/api.md), through the package's API
 * client: agents, peers, routes. Every call has a deadline; a daemon that does not
 * answer is a typed error naming it.
 */
import { AtpApiClient } from '../../daemon/api/client.ts'
import type { PeerJson, RouteJson } from '../../daemon/api/views.ts'

const CALL_TIMEOUT_MS = 5000

function client (apiUrl: string): AtpApiClient {
  return new AtpApiClient({ baseUrl: apiUrl, timeoutMs: CALL_TIMEOUT_MS })
}

export async function getRoutes (apiUrl: string): Promise<RouteJson[]> {
  return await client(apiUrl).routes()
}

export async function getPeers (apiUrl: string): Promise<PeerJson[]> {
  return await client(apiUrl).peers()
}

export async function putAgent (apiUrl: string, id: string, body: Record<string, unknown>): Promise<void> {
  await client(apiUrl).putAgent(id, body)
}

/** An agent that is not there (404) is already withdrawn. */
export async function deleteAgent (apiUrl: string, id: string): Promise<void> {
  await client(apiUrl).deleteAgent(id)
}
