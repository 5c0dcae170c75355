/**
 * The daemon's A2A endpoint, one per capability (the A2A JSON-RPC binding, spec v1.0,
 * through @a2a-js/sdk's request handler):
 *
 *   GET  /a2a/<capability>/.well-known/agent-card.json   the card a client starts from
 *   POST /a2a/<capability>                                message/send, message/stream (SSE),
 *                                                         tasks/get, tasks/cancel, ...
 *
 * Constraints for the resolve come from query parameters (maxCostUsd, maxLatencyMs,
 * region: the names of GET /v1/resolve) or from the request's A2A metadata. The same
 * bearer token as /v1 applies (the API's onRequest hook).
 *
 * A2A v0.3 clients are served through the SDK's compatibility layer: a request with a
 * v0.3 method name (message/send, message/stream, tasks/get, tasks/cancel, ...) goes to
 * its LegacyJsonRpcTransportHandler, which translates both ways around the same request
 * handler; the card is a superset that also carries the v0.3 fields (url,
 * preferredTransport, protocolVersion), which v1.0 clients ignore.
 */
import type { AgentCard } from '@a2a-js/sdk'
import { isLegacyJsonRpcMethod } from '@a2a-js/sdk/compat/v0_3'
import { ServerCallContext } from '@a2a-js/sdk/server'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { capabilityProblem } from '../../kernel/index.ts'
import type { ResolveQuery } from '../../reflector/index.ts'
import { answerJsonRpc, type JsonRpcHandler } from '../a2a/a2a-json-rpc.ts'
import { textAgentCard } from '../a2a/agent-card.ts'
import { HttpError } from '../api/errors.ts'
import { ATP_QUERY_STATE } from './a2a-executor.ts'

const CARD_SUFFIX = '/.well-known/agent-card.json'

export interface A2aRoutesOptions {
  readonly org: string
  readonly jsonRpc: JsonRpcHandler
  /** The same request handler behind the SDK's v0.3 translation. */
  readonly legacyJsonRpc: JsonRpcHandler
}

export function a2aRoutes (opts: A2aRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { '*': string } }>('/a2a/*', async (request) => {
      const rest = request.params['*']
      if (!rest.endsWith(CARD_SUFFIX)) throw new HttpError(404, 'ERR_NOT_FOUND', 'A2A endpoints answer POST; the card is at /a2a/<capability>/.well-known/agent-card.json')
      const capability = checkedCapability(rest.slice(0, -CARD_SUFFIX.length))
      const url = `${request.protocol}://${request.host}/a2a/${capability}`
      return { ...capabilityCard(opts.org, capability, url), ...legacyCardFields(url) }
    })

    app.post<{ Params: { '*': string }, Querystring: Record<string, string | undefined> }>('/a2a/*', async (request, reply) => {
      const capability = checkedCapability(request.params['*'].replace(/\/+$/, ''))
      const query = constraints(capability, request)
      const context = new ServerCallContext({ state: new Map([[ATP_QUERY_STATE, query]]) })
      reply.hijack()
      try {
        const method = (request.body as { method?: unknown } | null)?.method
        await answerJsonRpc(isLegacyJsonRpcMethod(method) ? opts.legacyJsonRpc : opts.jsonRpc, request.body, reply.raw, context)
      } catch (err) {
        request.log.error({ err: String(err) }, 'A2A request failed')
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' })
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'internal error (see the daemon log)' } }))
      }
    })
  }
}

function checkedCapability (raw: string): string {
  const capability = decodeURIComponent(raw)
  const problem = capabilityProblem(capability)
  if (problem !== undefined) throw new HttpError(400, 'ERR_INVALID_CAPABILITY', `capability '${capability}': ${problem}`)
  return capability
}

function constraints (capability: string, request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>): ResolveQuery {
  const q = request.query
  const num = (name: string): number | undefined => {
    const v = q[name]
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isFinite(n) || n < 0) throw new HttpError(400, 'ERR_VALIDATION', `querystring.${name}: must be a number >= 0`)
    return n
  }
  const maxCostUsd = num('maxCostUsd')
  const maxLatencyMs = num('maxLatencyMs')
  const region = q.region
  return {
    capability,
    ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
    ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
    ...(region !== undefined ? { region } : {})
  }
}

/** The card of one capability endpoint: the federation, seen as one agent per capability. */
export function capabilityCard (org: string, capability: string, url: string): AgentCard {
  return textAgentCard({
    name: `atpd ${org}: ${capability}`,
    description: `Sends each task to the best agent for '${capability}' in the federation, as ${org}'s daemon ranks them.`,
    url,
    organization: org,
    skills: [{ id: capability, description: capability, tags: [capability] }]
  })
}

/** What a v0.3 client reads from a card (v0.3 had one url and a card-level version). */
function legacyCardFields (url: string): { url: string, preferredTransport: 'JSONRPC', protocolVersion: string } {
  return { url, preferredTransport: 'JSONRPC', protocolVersion: A2A_V03_CARD_VERSION }
}

/** The v0.3 protocol version a superset card names (the compat layer accepts [0.3, 1.0)). */
const A2A_V03_CARD_VERSION = '0.3.0'
