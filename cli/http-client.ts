/**
 * The CLI's HTTP client for the atpd API: JSON in and out, bearer token, a deadline per
 * request, and errors an operator can act on (unreachable daemon, HTTP status + the
 * daemon's own message).
 */
import {
  ApiBodyError, ApiHttpError, ApiTimeoutError, ApiUnreachableError, AtpApiClient, type ApiClientOptions, type ApiQuery
} from '../daemon/api/client.ts'
import { CliError, EXIT_FAILED, EXIT_UNREACHABLE } from './errors.ts'

export const DEFAULT_TIMEOUT_MS = 10_000

export type Query = ApiQuery

/** The package's API client (daemon/api/client.ts) with its errors turned into exit codes. */
export class ApiClient {
  readonly baseUrl: string
  readonly api: AtpApiClient

  constructor (opts: ApiClientOptions) {
    this.api = new AtpApiClient({ ...opts, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS })
    this.baseUrl = this.api.baseUrl
  }

  async get<T> (path: string, query: Query = {}): Promise<T> { return await this.request<T>('GET', path, query) }
  async put<T> (path: string, body: unknown): Promise<T> { return await this.request<T>('PUT', path, {}, body) }
  async post<T> (path: string, body: unknown): Promise<T> { return await this.request<T>('POST', path, {}, body) }
  async delete<T> (path: string): Promise<T> { return await this.request<T>('DELETE', path) }

  async request<T> (method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    try {
      return await this.api.request<T>(method, path, { query, ...(body !== undefined ? { body } : {}) })
    } catch (err) {
      throw cliError(err, this.baseUrl)
    }
  }
}

function cliError (err: unknown, baseUrl: string): unknown {
  if (err instanceof ApiUnreachableError) {
    return new CliError(`${err.message}. Is atpd running? Point the CLI at it with --api URL, --config FILE or ATP_API.`, EXIT_UNREACHABLE, { cause: err })
  }
  if (err instanceof ApiTimeoutError) return new CliError(err.message, EXIT_UNREACHABLE, { cause: err })
  if (err instanceof ApiHttpError) {
    const hint = err.status === 401 ? ' (pass --token or set ATP_TOKEN)' : ''
    return new CliError(`${err.message}${hint}`, EXIT_FAILED, { cause: err })
  }
  if (err instanceof ApiBodyError) {
    return new CliError(`atpd at ${baseUrl} answered ${err.method} ${err.path} with a body that is not JSON`, EXIT_FAILED, { cause: err })
  }
  return err
}
