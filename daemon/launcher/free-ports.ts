/**
 * Free TCP ports on 127.0.0.1 for the launcher, the emulator, the integration fixture
 * and the soak: all `count` ports are held (bound on port 0) until every one is
 * known, so no two are the same, then released together. Ports picked one at a time
 * could repeat (the first is free again when the second is picked). A port can still
 * be taken between the release and the daemon's own bind: a daemon's listener cannot
 * be handed over across the process boundary (libp2p's TCP transport binds its own
 * socket), so a start that loses that race fails and names its log.
 */
import { createServer, type Server } from 'node:net'

export async function freeLoopbackPorts (count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => { resolve() })
      })
    }
    return servers.map((s) => {
      const a = s.address()
      if (a === null || typeof a === 'string') throw new Error('no port bound')
      return a.port
    })
  } finally {
    await Promise.all(servers.map(async (s) => { await new Promise((resolve) => s.close(resolve)) }))
  }
}

export async function freePort (): Promise<number> {
  const [port] = await freeLoopbackPorts(1)
  return port as number
}
