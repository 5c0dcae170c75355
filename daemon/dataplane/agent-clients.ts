/**
 * A2A clients of this daemon's local agents (@a2a-js/sdk ClientFactory), one per
 * endpoint, created on first use from the agent's card and kept while they work.
 * Bounded: past MAX_CLIENTS the oldest is dropped (it is only a cache).
 */
import { type Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, RestTransportFactory } from '@a2a-js/sdk/client'
import { AtpError } from '../../kernel/index.ts'

const MAX_CLIENTS = 1024

/** HTTP answers by which an agent says it has no room now (RFC 6585 §4, RFC 9110 §15.6.4). */
const OVERLOAD_STATUS = new Set([429, 503])

/** The agent answered 429 or 503: congestion, which its consumers' windows back off on. */
export class AgentOverloadedError extends AtpError {
  constructor (readonly status: number, readonly url: string) {
    super('agent-overloaded', `agent at ${url} answered HTTP ${status} (overloaded)`)
  }
}

/** fetch that turns an overload answer into AgentOverloadedError before the SDK reads it as a failure. */
const overloadAwareFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init)
  if (OVERLOAD_STATUS.has(response.status)) {
    await response.body?.cancel().catch(() => {})
    throw new AgentOverloadedError(response.status, input instanceof Request ? input.url : String(input))
  }
  return response
}

export class AgentClients {
  private readonly clients = new Map<string, Promise<Client>>()
  private readonly factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl: overloadAwareFetch }), new RestTransportFactory({ fetchImpl: overloadAwareFetch })]
  }))

  /** The client for an agent endpoint (its base URL: the card is at /.well-known/agent-card.json). */
  async get (endpoint: string): Promise<Client> {
    let client = this.clients.get(endpoint)
    if (client === undefined) {
      // The SDK resolves the card path relative to the URL: without a trailing slash
      // the last path segment would be replaced.
      client = this.factory.createFromUrl(endpoint.endsWith('/') ? endpoint : `${endpoint}/`)
      this.clients.set(endpoint, client)
      if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string)
      // A card that could not be read is not cached: the next task tries again.
      client.catch(() => { if (this.clients.get(endpoint) === client) this.clients.delete(endpoint) })
    }
    return await client
  }

  /** Forget an endpoint's client (its agent failed to answer; its card may have changed). */
  forget (endpoint: string): void {
    this.clients.delete(endpoint)
  }
}
