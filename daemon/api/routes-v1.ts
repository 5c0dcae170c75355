/**
 * Read endpoints: health, peers, routes, resolve, metrics.
 */
import type { FastifyInstance } from 'fastify'
import { matchesInterests } from '../../kernel/index.ts'
import type { ResolveQuery } from '../../reflector/index.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { VERSION } from '../package-root.ts'
import { HttpError } from './errors.ts'
import type { DaemonFacade } from './facade.ts'
import { ResolveBodyWriter, type ResolveSerializers } from './resolve-body.ts'
import {
  budgetsResponseSchema, candidateViewJsonSchema, peersResponseSchema, resolveResponseSchema, routeFactsJsonSchema, routesResponseSchema
} from './route-schemas.ts'
import { resolveQuerySchema, routesQuerySchema } from './schemas.ts'
import { toBudgetJson, toPeerJson, toRouteJson, type WindowLookup } from './views.ts'

export interface ReadRoutesOptions {
  readonly facade: DaemonFacade
  readonly metrics?: Metrics
}

export async function readRoutes (app: FastifyInstance, opts: ReadRoutesOptions): Promise<void> {
  const { facade, metrics } = opts
  const windowOf: WindowLookup | undefined = facade.window?.bind(facade)
  const resolveBodies = new ResolveBodyWriter()
  let resolveSerializers: ResolveSerializers | undefined

  app.get('/v1/health', async (_request, reply) => {
    const h = facade.health()
    return await reply.code(h.ok ? 200 : 503).send({ ok: h.ok, org: h.org, peerId: h.peerId, role: h.role, version: VERSION, interests: h.interests })
  })

  app.get('/v1/peers', { schema: { response: { 200: peersResponseSchema } } }, async () => ({ peers: facade.peers().map(toPeerJson) }))

  app.get<{ Querystring: { capability?: string } }>('/v1/routes', { schema: { querystring: routesQuerySchema, response: { 200: routesResponseSchema } } }, async (request) => {
    return { routes: facade.routes(request.query.capability).map((r) => toRouteJson(r, windowOf)) }
  })

  app.get('/v1/budgets', { schema: { response: { 200: budgetsResponseSchema } } }, async () => ({ budgets: (facade.budgets?.() ?? []).map(toBudgetJson) }))

  // The response schema documents the body; the body itself is written from kept pieces (resolve-body.ts).
  app.get<{ Querystring: ResolveQuery }>('/v1/resolve', { schema: { querystring: resolveQuerySchema, response: { 200: resolveResponseSchema } } }, async (request, reply) => {
    const q = request.query
    const started = process.hrtime.bigint()
    const result = facade.resolve(q)
    metrics?.observeResolve(Number(process.hrtime.bigint() - started) / 1e9)
    if (result === undefined) throw new HttpError(404, 'ERR_NO_MATCH', `no route matches capability '${q.capability}'${noMatchHint(facade, q.capability)}`)
    if (result.candidates.length === 0) {
      throw new HttpError(404, 'ERR_NO_MATCH', `routes for '${result.capability}' exist but none is usable${constraintText(q)}`)
    }
    const serializers = resolveSerializers ??= {
      envelope: reply.compileSerializationSchema(resolveResponseSchema),
      facts: reply.compileSerializationSchema(routeFactsJsonSchema),
      view: reply.compileSerializationSchema(candidateViewJsonSchema)
    }
    return await reply.type(JSON_TYPE).send(resolveBodies.write(result, serializers, windowOf))
  })

  app.get('/metrics', async (_request, reply) => {
    if (metrics === undefined) throw new HttpError(404, 'ERR_NO_METRICS', 'metrics are not enabled')
    return await reply.type(metrics.contentType).send(await metrics.render())
  })
}

const MAX_HINTS = 5
/** fastify's own type for the JSON it serializes: a string sent with it goes out as it is. */
const JSON_TYPE = 'application/json; charset=utf-8'

/** Why nothing matched, when the daemon can tell: more specific capabilities, or the local interests. */
export function noMatchHint (facade: DaemonFacade, capability: string): string {
  const interests = facade.health().interests
  if (!matchesInterests(capability, interests)) {
    return `; it is outside this daemon's interests (${interests.join(', ')}), so no neighbor sends its routes: add it to interests in the site config`
  }
  const more = [...new Set(facade.routes(capability).map((v) => v.route.attrs.capability))].sort()
  if (more.length === 0) return ''
  const shown = more.slice(0, MAX_HINTS).join(', ') + (more.length > MAX_HINTS ? `, … (${more.length})` : '')
  return `; did you mean a more specific capability: ${shown}?`
}

function constraintText (q: ResolveQuery): string {
  const parts: string[] = []
  if (q.maxCostUsd !== undefined) parts.push(`maxCostUsd=${q.maxCostUsd}`)
  if (q.maxLatencyMs !== undefined) parts.push(`maxLatencyMs=${q.maxLatencyMs}`)
  if (q.region !== undefined) parts.push(`region=${q.region}`)
  return parts.length === 0 ? '' : ` under ${parts.join(', ')}`
}
