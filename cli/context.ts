/**
 * What every command gets: where the API is, the token, output mode, and the streams.
 * The API URL comes from --api, else the config's api.listen (--config FILE), else
 * ATP_API, else http://127.0.0.1:7101; the token from --token, else ATP_TOKEN, else
 * the config's api.token. An address without a scheme means http. The config modules load
 * only when --config is given: `atp --help` and plain commands start without them.
 */
import type { Command } from 'commander'
import { UsageError } from './errors.ts'
import { ApiClient } from './http-client.ts'

export const DEFAULT_API_URL = 'http://127.0.0.1:7101'

export interface CliIo {
  out (text: string): void
  err (text: string): void
  readonly env: Readonly<Record<string, string | undefined>>
}

export const processIo: CliIo = {
  out: (text) => { process.stdout.write(text) },
  err: (text) => { process.stderr.write(text) },
  env: process.env
}

export interface GlobalOptions {
  readonly api?: string
  readonly config?: string
  readonly token?: string
  readonly json?: boolean
}

export interface CliContext {
  readonly io: CliIo
  readonly json: boolean
  readonly client: ApiClient
  /** Prints JSON (--json) or the human rendering. */
  print (value: unknown, human: () => string): void
}

export async function resolveApi (opts: GlobalOptions, env: CliIo['env']): Promise<{ url: string, token?: string }> {
  let configUrl: string | undefined
  let configToken: string | null | undefined
  if (opts.config !== undefined) {
    const [{ loadConfig }, { apiUrlFromListen }] = await Promise.all([import('../daemon/config/load.ts'), import('../daemon/config/api-url.ts')])
    const config = loadConfig(opts.config)
    configUrl = apiUrlFromListen(config.api.listen)
    configToken = config.api.token
  }
  const url = opts.api !== undefined
    ? normalizeApiUrl(opts.api, '--api')
    : configUrl ?? (env.ATP_API !== undefined && env.ATP_API !== '' ? normalizeApiUrl(env.ATP_API, 'ATP_API') : DEFAULT_API_URL)
  const token = opts.token ?? env.ATP_TOKEN ?? configToken ?? undefined
  return token !== undefined && token !== '' ? { url, token } : { url }
}

/**
 * `127.0.0.1:7103` → `http://127.0.0.1:7103`; a URL with a scheme stays as it is. The
 * result must be an http(s) URL; `source` names where the value came from (--api,
 * ATP_API) for the error.
 */
export function normalizeApiUrl (value: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(`${source} '${value}' is not an address (expected host:port or http://host:port)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} '${value}': only http:// and https:// are supported`)
  }
  return withScheme.replace(/\/+$/, '')
}

export async function contextOf (cmd: Command, io: CliIo): Promise<CliContext> {
  const opts = cmd.optsWithGlobals<GlobalOptions>()
  const json = opts.json === true
  const { url, token } = await resolveApi(opts, io.env)
  return {
    io,
    json,
    client: new ApiClient({ baseUrl: url, ...(token !== undefined ? { token } : {}) }),
    print (value, human) {
      io.out(json ? `${JSON.stringify(value, null, 2)}\n` : human())
    }
  }
}
