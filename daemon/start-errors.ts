/**
 * Start failures an operator fixes in the config: a listen address in use or not
 * available. The error names the config key and the address, never a stack trace.
 * libp2p reports a failed listen as one aggregated error whose text is not a contract,
 * so TCP listen addresses with a fixed port are probed first, and the error names the
 * exact `listen[i]` entry.
 */
import { createServer } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { AtpError } from '../kernel/index.ts'

export class ListenError extends AtpError {
  /** The config key to change, e.g. `api.listen` or `listen[0]`. */
  readonly key: string
  constructor (key: string, address: string, why: string) {
    super('ERR_LISTEN', `${key} ${address} ${why}`)
    this.key = key
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is in use (another process listens there; change the address or stop that process)',
  EADDRNOTAVAIL: 'is not an address of this host',
  EACCES: 'needs privileges this process does not have (use a port above 1023)'
}

/** A listen failure turned into a ListenError naming `key`; other errors are returned as they are. */
export function listenFailure (err: unknown, key: string, address: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const why = code !== undefined ? REASONS[code] : undefined
  return why !== undefined ? new ListenError(key, address, why) : err
}

/** Binds and releases each fixed TCP port of `listen` (the config key) to find a busy one. */
export async function probeLibp2pListen (listen: readonly string[]): Promise<void> {
  for (const [i, addr] of listen.entries()) {
    const opts = tcpOptions(addr)
    if (opts === undefined || opts.port === 0) continue
    await new Promise<void>((resolve, reject) => {
      const srv = createServer()
      srv.once('error', (err) => { reject(listenFailure(err, `listen[${i}]`, addr)) })
      srv.listen({ host: opts.host, port: opts.port, exclusive: true }, () => { srv.close(() => { resolve() }) })
    })
  }
}

function tcpOptions (addr: string): { host: string, port: number } | undefined {
  try {
    const parts = multiaddr(addr).getComponents()
    const host = parts[0]
    const tcp = parts[1]
    if (host === undefined || tcp?.name !== 'tcp' || (host.name !== 'ip4' && host.name !== 'ip6')) return undefined
    return { host: host.value ?? '', port: Number(tcp.value) }
  } catch {
    return undefined
  }
}
