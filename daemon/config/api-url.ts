/**
 * A site config's api.listen turned into the URL that reaches it.
 */
import { parseListen } from './schema-common.ts'

/** 'host:port' → URL; a wildcard listen address is reached on loopback. */
export function apiUrlFromListen (listen: string): string | undefined {
  const addr = parseListen(listen)
  if (addr === undefined) return undefined
  let host = addr.host
  if (host === '0.0.0.0') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`
}
