// The API's sockets are bounded: a request that never finishes is cut at its timeout, a
// refused (401) request does not keep its socket, and connections past the cap are
// dropped with a log line, not left to exhaust the process's file descriptors.
import { connect, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createApiServer, listenApi } from '../../../daemon/api/server.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { waitFor } from '../../../daemon/launcher/wait-for.ts'

const TOKEN = 'a-long-enough-test-token'

/** Opens a socket and sends the head of a PUT whose 1,000-byte body never comes. */
async function slowBody (port: number, headers = ''): Promise<{ socket: Socket, closed: () => boolean, received: () => string }> {
  const socket = connect(port, '127.0.0.1')
  let closed = false
  let received = ''
  socket.setEncoding('utf8').on('data', (s: string) => { received += s })
  socket.on('close', () => { closed = true })
  socket.on('error', () => { /* a reset is a close too */ })
  await new Promise<void>((resolve) => { socket.once('connect', () => { resolve() }) })
  socket.write(`PUT /v1/agents/x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n${headers}\r\n{"capa`)
  return { socket, closed: () => closed, received: () => received }
}

describe('API sockets', () => {
  let app: FastifyInstance | undefined
  const sockets: Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await app?.close()
  })

  async function start (opts: Parameters<typeof createApiServer>[0]): Promise<number> {
    app = await createApiServer(opts)
    return Number((await listenApi(app, '127.0.0.1:0')).split(':').at(-1))
  }

  it('cuts a request whose body never completes at requestTimeoutMs', async () => {
    const port = await start({ facade: createFakeFacade(), sockets: { requestTimeoutMs: 300 } })
    const slow = await slowBody(port)
    sockets.push(slow.socket)
    await waitFor(() => slow.closed(), { what: 'the server to close the slow socket', timeoutMs: 5_000 })
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it('closes the socket of a refused (401) request at once, body or not', async () => {
    const port = await start({ facade: createFakeFacade(), token: TOKEN })
    const slow = await slowBody(port)
    sockets.push(slow.socket)
    await waitFor(() => slow.closed(), { what: 'the server to close the 401 socket', timeoutMs: 3_000 })
    expect(slow.received()).toMatch(/^HTTP\/1\.1 401/)
    expect(slow.received().toLowerCase()).toContain('connection: close')
  })

  it('drops connections past maxConnections and says so in the log', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(s) } })
    const port = await start({ facade: createFakeFacade(), logger, sockets: { maxConnections: 2 } })
    const held = [await slowBody(port), await slowBody(port)]
    sockets.push(...held.map((h) => h.socket))
    const extra = await slowBody(port)
    sockets.push(extra.socket)
    await waitFor(() => extra.closed(), { what: 'the extra connection to be dropped', timeoutMs: 3_000 })
    expect(held.every((h) => !h.closed())).toBe(true)
    await waitFor(() => lines.some((l) => l.includes('API connection limit reached')), { what: 'the log line', timeoutMs: 3_000 })
  })
})
