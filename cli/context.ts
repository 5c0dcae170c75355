/**
 * What every command gets: where the API is, the token, output mode, and the streams.
 * The API URL comes from --api, else the config's api.listen (--config FILE), else
 * ATP_API, else http://127.0.0.1:7101; the token from --token, else ATP_TOKEN, else
 * the config's api.token.
 */
import type { Command } from 'commander'
import { loadConfig } from '../daemon/config/load.ts'
import { parseListen } from '../daemon/config/schema-common.ts'
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

export function resolveApi (opts: GlobalOptions, env: CliIo['env']): { url: string, token?: string } {
  const config = opts.config !== undefined ? loadConfig(opts.config) : undefined
  const url = opts.api ?? (config !== undefined ? apiUrlFromListen(config.api.listen) : undefined) ?? env.ATP_API ?? DEFAULT_API_URL
  const token = opts.token ?? env.ATP_TOKEN ?? config?.api.token ?? undefined
  return token !== undefined && token !== '' ? { url, token } : { url }
}

/** 'host:port' → URL; a wildcard listen address is reached on loopback. */
export function apiUrlFromListen (listen: string): string | undefined {
  const addr = parseListen(listen)
  if (addr === undefined) return undefined
  let host = addr.host
  if (host === '0.0.0.0') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`
}

export function contextOf (cmd: Command, io: CliIo): CliContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>()
  const json = opts.json === true
  const { url, token } = resolveApi(opts, io.env)
  return {
    io,
    json,
    client: new ApiClient({ baseUrl: url, ...(token !== undefined ? { token } : {}) }),
    print (value, human) {
      io.out(json ? `${JSON.stringify(value, null, 2)}\n` : human())
    }
  }
}
