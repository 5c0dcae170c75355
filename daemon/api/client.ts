/**
 * The typed client of atpd's HTTP API, for every caller: the CLI, the emulator, the
 * launcher's federations, the tests and the soak. The JSON types are the server's own,
 * derived from the zod schemas its serializers are compiled from (route-schemas.ts), so
 * a field the server renames breaks its clients at compile time. Every
 * request has a deadline (a frozen daemon fails a call, never hangs it), and failures are
 * typed: unreachable, timed out, or an HTTP status with the daemon's message.
 */
import { AtpError } from '../../kernel/errors.ts'
import type { HealthView } from './facade.ts'
import type { PeerJson, ResolveJson, RouteJson } from './views.ts'

export const DEFAULT_API_TIMEOUT_MS = 10_000

export type { ResolveJson }

export type ApiQuery = Record<string, string | number | undefined>

export interface ApiClientOptions {
  readonly baseUrl: string
  readonly token?: string
  readonly timeoutMs?: number
}

/** One answer, whatever its status: `body` is the parsed JSON, or the raw text when it is not JSON. */
export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly statusText: string
  readonly body: T
}

/** No TCP connection to the API (refused, unknown host…). `reason` is the short cause. */
export class ApiUnreachableError extends AtpError {
  constructor (readonly baseUrl: string, readonly reason: string, options?: { cause?: unknown }) {
    super('ERR_API_UNREACHABLE', `cannot reach atpd at ${baseUrl} (${reason})`, options)
  }
}

export class ApiTimeoutError extends AtpError {
  constructor (readonly baseUrl: string, readonly timeoutMs: number, options?: { cause?: unknown }) {
    super('ERR_API_TIMEOUT', `no answer from atpd at ${baseUrl} within ${timeoutMs / 1000} s`, options)
  }
}

/** A non-2xx answer; `serverMessage` is the daemon's `message` field (or its raw text). */
export class ApiHttpError extends AtpError {
  constructor (
    readonly method: string, readonly path: string, readonly status: number, readonly statusText: string,
    readonly serverMessage: string, readonly body: unknown
  ) {
    super('ERR_API_HTTP', `${method} ${path}: atpd answered ${status} ${statusText}: ${serverMessage}`)
  }
}

/** A 2xx answer whose body is not JSON. */
export class ApiBodyError extends AtpError {
  constructor (readonly method: string, readonly path: string, options?: { cause?: unknown }) {
    super('ERR_API_BODY', `${method} ${path}: the answer is not JSON`, options)
  }
}

export class AtpApiClient {
  readonly baseUrl: string
  readonly timeoutMs: number
  private readonly token: string | undefined

  constructor (opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.token = opts.token
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_API_TIMEOUT_MS
  }

  /** Any status comes back as a value; only transport failures throw. `rawBody` is sent as given (hostile-input tests). */
  async send<T = unknown> (method: string, path: string, opts: { query?: ApiQuery, body?: unknown, rawBody?: string } = {}): Promise<ApiResponse<T>> {
    const url = new URL(this.baseUrl + path)
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = { accept: 'application/json' }
    const payload = opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined)
    if (payload !== undefined) headers['content-type'] = 'application/json'
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    let res: Response | undefined
    let text = ''
    // A kept-alive socket the daemon closes (idle timeout) just as a request goes out on
    // it fails that request with nothing sent back; a read is safe to send again, once.
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await fetch(url, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
          signal: AbortSignal.timeout(this.timeoutMs)
        })
        text = await res.text()
      } catch (err) {
        if (attempt === 0 && (method === 'GET' || method === 'HEAD') && isClosedSocket(err)) { res = undefined; continue }
        throw this.transportError(err)
      }
    }
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* not JSON: keep the text */ }
    return { status: res.status, statusText: res.statusText, body: body as T }
  }

  /** A 2xx JSON answer (undefined for 204), or a typed error. */
  async request<T> (method: string, path: string, opts: { query?: ApiQuery, body?: unknown } = {}): Promise<T> {
    const r = await this.send(method, path, opts)
    const pathname = new URL(this.baseUrl + path).pathname
    if (r.status < 200 || r.status >= 300) {
      const b = r.body as { message?: unknown } | string | null
      const message = typeof b === 'object' && b !== null && typeof b.message === 'string'
        ? b.message
        : (typeof r.body === 'string' ? r.body : JSON.stringify(r.body)).slice(0, 500)
      throw new ApiHttpError(method, pathname, r.status, r.statusText, message, r.body)
    }
    if (r.status === 204) return undefined as T
    if (typeof r.body === 'string') throw new ApiBodyError(method, pathname)
    return r.body as T
  }

  async health (): Promise<HealthView> { return await this.request<HealthView>('GET', '/v1/health') }
  async peers (): Promise<PeerJson[]> { return (await this.request<{ peers: PeerJson[] }>('GET', '/v1/peers')).peers }
  async routes (capability?: string): Promise<RouteJson[]> {
    return (await this.request<{ routes: RouteJson[] }>('GET', '/v1/routes', { query: { capability } })).routes
  }

  async resolve (query: { capability: string, maxCostUsd?: number, maxLatencyMs?: number, region?: string, limit?: number }): Promise<ResolveJson> {
    return await this.request<ResolveJson>('GET', '/v1/resolve', { query })
  }

  /** GET /metrics: the Prometheus text exposition. */
  async metrics (): Promise<string> {
    const r = await this.send('GET', '/metrics')
    if (r.status !== 200) throw new ApiHttpError('GET', '/metrics', r.status, r.statusText, JSON.stringify(r.body).slice(0, 300), r.body)
    return typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
  }

  async putAgent (id: string, body: Record<string, unknown>): Promise<unknown> {
    return await this.request('PUT', `/v1/agents/${encodeURIComponent(id)}`, { body })
  }

  /** DELETE; true when the agent was there, false when it was not (404). */
  async deleteAgent (id: string): Promise<boolean> {
    const r = await this.send('DELETE', `/v1/agents/${encodeURIComponent(id)}`)
    if (r.status === 404) return false
    if (r.status >= 300) {
      throw new ApiHttpError('DELETE', `/v1/agents/${id}`, r.status, r.statusText, JSON.stringify(r.body).slice(0, 300), r.body)
    }
    return true
  }

  private transportError (err: unknown): AtpError {
    const e = err as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return new ApiTimeoutError(this.baseUrl, this.timeoutMs, { cause: err })
    const code = e.cause?.code ?? ''
    const why = code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host' : (code !== '' ? code : e.message)
    return new ApiUnreachableError(this.baseUrl, why, { cause: err })
  }
}

/** The connection was closed or reset under the request (not refused, not a timeout). */
function isClosedSocket (err: unknown): boolean {
  const code = (err as { cause?: { code?: string } }).cause?.code
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
}
