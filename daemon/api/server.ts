/**
 * The HTTP API of atpd (fastify 5): JSON endpoints under /v1, Prometheus /metrics, the
 * OpenAPI document at /openapi.json and a looking-glass page at /. The server only talks to the daemon through DaemonFacade.
 *
 *   const app = await createApiServer({ facade, logger, token, metrics })
 *   await listenApi(app, config.api.listen)
 */
import AjvCompiler from '@fastify/ajv-compiler'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifySchemaCompiler } from 'fastify'
import type { Logger } from 'pino'
import { parseListen } from '../config/schema-common.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { bearerAuth } from './auth.ts'
import { errorBody, handleError } from './errors.ts'
import type { DaemonFacade } from './facade.ts'
import { lookingGlassRoute } from './looking-glass.ts'
import { registerOpenApi } from './openapi.ts'
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
  /** Socket bounds (defaults: DEFAULT_API_SOCKETS). */
  readonly sockets?: Partial<ApiSocketLimits>
}

/**
 * Every API socket ends: a client that sends its request slowly, or never finishes it,
 * or opens connections and sits on them, holds a file descriptor until one of these cuts
 * it. Node's own defaults leave requests unbounded in fastify (0 = never).
 */
export interface ApiSocketLimits {
  /** The whole request (headers and body) must arrive within this; 408 after. */
  readonly requestTimeoutMs: number
  /** The headers must arrive within this (capped at requestTimeoutMs). */
  readonly headersTimeoutMs: number
  /** A socket with no traffic either way is closed after this. */
  readonly idleTimeoutMs: number
  /** An idle keep-alive socket between requests is closed after this. */
  readonly keepAliveTimeoutMs: number
  /** Connections past this are dropped at accept (and logged). */
  readonly maxConnections: number
}

export const DEFAULT_API_SOCKETS: ApiSocketLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  // Half of the common 1024 soft fd limit: libp2p (300 connections) and the store need the rest.
  maxConnections: 512
}

/** Drops are logged at most this often (with the count since the last line). */
const DROP_LOG_EVERY_MS = 10_000

export async function createApiServer (opts: ApiServerOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_API_SOCKETS, ...opts.sockets }
  const headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
  const app = Fastify({
    ...(opts.logger !== undefined ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request/header deadlines on this interval (default 30 s): a deadline
    // of a few seconds needs a finer check to mean anything.
    http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeoutMs / 2))) },
    // Memory keys may be 256 characters (URL-encoded: more); fastify's default is 100.
    routerOptions: { maxParamLength: 1024 },
    // Fastify's own per-request lines are at info: too chatty for a daemon polled by
    // scripts. Requests are logged at debug below; 5xx errors by handleError.
    logController: new LogController({ disableRequestLogging: true })
  }) as unknown as FastifyInstance // pino's Logger is wider than FastifyBaseLogger; same object
  app.server.maxConnections = limits.maxConnections
  app.setValidatorCompiler(validatorCompiler())
  watchDrops(app, limits.maxConnections, opts.logger)
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
  await registerOpenApi(app)
  await app.register(readRoutes, { facade: opts.facade, ...(metrics !== undefined ? { metrics } : {}) })
  await app.register(agentRoutes, { facade: opts.facade })
  await app.register(lookingGlassRoute, { facade: opts.facade })
  for (const plugin of opts.plugins ?? []) await app.register(plugin)
  return app
}

/**
 * Queries and path parameters arrive as text, so their numbers and lists are coerced
 * (`limit=5` is 5, `tags=a` is ['a']); a JSON body says its own types, so it is not:
 * coercing it would take `"costUsd": null` as 0 and `"capability": 0` as '0'. Unknown
 * fields are errors in both, not silently dropped.
 */
function validatorCompiler (): FastifySchemaCompiler<AjvCompiler.RouteDefinition['schema']> {
  const pool = AjvCompiler()
  const common = { removeAdditional: false, useDefaults: true, allErrors: false }
  const forText = pool({}, { customOptions: { ...common, coerceTypes: 'array' } })
  const forJson = pool({}, { customOptions: { ...common, coerceTypes: false } })
  return (route) => (route.httpPart === 'body' ? forJson : forText)(route)
}

/** One warn line per DROP_LOG_EVERY_MS while connections are being dropped at the cap. */
function watchDrops (app: FastifyInstance, maxConnections: number, logger: Logger | undefined): void {
  let dropped = 0
  let lastLogMs = -Infinity
  app.server.on('drop', () => {
    dropped++
    const nowMs = performance.now()
    if (nowMs - lastLogMs < DROP_LOG_EVERY_MS) return
    lastLogMs = nowMs
    logger?.warn({ maxConnections, dropped }, 'API connection limit reached: dropping new connections')
    dropped = 0
  })
}

/** Listens on 'host:port' (config api.listen); returns the bound address (port 0 → real port). */
export async function listenApi (app: FastifyInstance, listen: string): Promise<string> {
  const addr = parseListen(listen)
  if (addr === undefined) throw new Error(`not a listen address: ${listen}`)
  return await app.listen({ host: addr.host, port: addr.port })
}
