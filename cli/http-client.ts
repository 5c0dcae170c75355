/**
 * The CLI's HTTP client for the atpd API: JSON in and out, bearer token, a deadline per
 * request, and errors an operator can act on (unreachable daemon, HTTP status + the
 * daemon's own message).
 */
import { CliError, EXIT_FAILED, EXIT_UNREACHABLE } from './errors.ts'

export const DEFAULT_TIMEOUT_MS = 10_000

export interface ApiClientOptions {
  readonly baseUrl: string
  readonly token?: string
  readonly timeoutMs?: number
}

export type Query = Record<string, string | number | undefined>

export class ApiClient {
  readonly baseUrl: string
  private readonly token: string | undefined
  private readonly timeoutMs: number

  constructor (opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.token = opts.token
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  async get<T> (path: string, query: Query = {}): Promise<T> { return await this.request<T>('GET', path, query) }
  async put<T> (path: string, body: unknown): Promise<T> { return await this.request<T>('PUT', path, {}, body) }
  async post<T> (path: string, body: unknown): Promise<T> { return await this.request<T>('POST', path, {}, body) }
  async delete<T> (path: string): Promise<T> { return await this.request<T>('DELETE', path) }

  async request<T> (method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const url = new URL(this.baseUrl + path)
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    let res: Response
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (err) {
      throw this.transportError(err)
    }
    const text = await res.text()
    if (!res.ok) throw httpError(method, url.pathname, res, text)
    try {
      return JSON.parse(text) as T
    } catch (err) {
      throw new CliError(`atpd at ${this.baseUrl} answered ${method} ${url.pathname} with a body that is not JSON`, EXIT_FAILED, { cause: err })
    }
  }

  private transportError (err: unknown): CliError {
    const e = err as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return new CliError(`no answer from atpd at ${this.baseUrl} within ${this.timeoutMs / 1000} s`, EXIT_UNREACHABLE, { cause: err })
    }
    const code = e.cause?.code ?? ''
    const why = code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host' : (code !== '' ? code : e.message)
    return new CliError(
      `cannot reach atpd at ${this.baseUrl} (${why}). Is atpd running? Point the CLI at it with --api URL, --config FILE or ATP_API.`,
      EXIT_UNREACHABLE, { cause: err })
  }
}

function httpError (method: string, path: string, res: Response, text: string): CliError {
  let message = text.slice(0, 500)
  try {
    const body = JSON.parse(text) as { message?: unknown }
    if (typeof body.message === 'string') message = body.message
  } catch { /* not JSON: show the raw text */ }
  const hint = res.status === 401 ? ' (pass --token or set ATP_TOKEN)' : ''
  return new CliError(`${method} ${path}: atpd answered ${res.status} ${res.statusText}: ${message}${hint}`, EXIT_FAILED)
}
