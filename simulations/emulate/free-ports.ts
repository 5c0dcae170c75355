/**
 * Free TCP ports on 127.0.0.1: bind all at once on port 0 (so no two are the same),
 * read them, close. A port can be taken again between close and the daemon's bind;
 * on a loopback test machine that race is rare and a failed start names its log.
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
