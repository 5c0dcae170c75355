/**
 * The HTTP API of atpd (fastify 5): JSON endpoints under /v1, Prometheus /metrics and a
 * looking-glass page at /. The server only talks to the daemon through DaemonFacade.
 *
 *   const app = await createApiServer({ facade, logger, token, metrics })
 *   await listenApi(app, config.api.listen)
 */
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import { parseListen } from '../config/schema-common.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { bearerAuth } from './auth.ts'
import { errorBody, handleError } from './errors.ts'
import type { DaemonFacade } from './facade.ts'
import { lookingGlassRoute } from './looking-glass.ts'
import { agentRoutes } from './routes-agents.ts'
import { readRoutes } from './routes-v1.ts'

export interface ApiServerOptions {
  readonly facade: DaemonFacade
  /** pino logger (a child is fine); absent = no request logging. */
  readonly logger?: Logger
  /** Bearer token; null/undefined = no authentication (loopback only, see config). */
  readonly token?: string | null
  readonly metrics?: Metrics
  /** Extra route plugins (e.g. daemon/memory's), registered after the core routes. */
  readonly plugins?: readonly FastifyPluginAsync[]
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number
}

export async function createApiServer (opts: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger !== undefined ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Memory keys may be 256 characters (URL-encoded: more); fastify's default is 100.
    routerOptions: { maxParamLength: 1024 },
    // Unknown query and body fields are errors, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    // Fastify's own per-request lines are at info: too chatty for a daemon polled by
    // scripts. Requests are logged at debug below; 5xx errors by handleError.
    logController: new LogController({ disableRequestLogging: true })
  }) as unknown as FastifyInstance // pino's Logger is wider than FastifyBaseLogger; same object
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(async (request, reply) =>
    await reply.code(404).send(errorBody(404, 'ERR_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0] ?? ''}`)))
  if (opts.token !== undefined && opts.token !== null) app.addHook('onRequest', bearerAuth(opts.token))
  const metrics = opts.metrics
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'api request')
    // Route patterns, not raw URLs, keep the label set bounded.
    metrics?.apiRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)
  })
  await app.register(readRoutes, { facade: opts.facade, ...(metrics !== undefined ? { metrics } : {}) })
  await app.register(agentRoutes, { facade: opts.facade })
  await app.register(lookingGlassRoute, { facade: opts.facade })
  for (const plugin of opts.plugins ?? []) await app.register(plugin)
  return app
}

/** Listens on 'host:port' (config api.listen); returns the bound address (port 0 → real port). */
export async function listenApi (app: FastifyInstance, listen: string): Promise<string> {
  const addr = parseListen(listen)
  if (addr === undefined) throw new Error(`not a listen address: ${listen}`)
  return await app.listen({ host: addr.host, port: addr.port })
}
