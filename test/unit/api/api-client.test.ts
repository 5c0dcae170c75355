import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiBodyError, ApiHttpError, ApiTimeoutError, ApiUnreachableError, AtpApiClient } from '../../../daemon/api/client.ts'
import { candidateRange, freeLoopbackPorts } from '../../../daemon/launcher/free-ports.ts'

let server: Server
let baseUrl: string
const seen: { method: string, url: string, auth: string | undefined, body: string }[] = []
let closings = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body })
      if (req.url?.startsWith('/v1/routes') === true) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"routes":[{"capability":"a"}]}')
      if (req.url === '/v1/agents/gone') return res.writeHead(404).end('{"message":"no agent"}')
      if (req.url === '/v1/agents/x') return res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"body.costUsd: must be >= 0"}')
      if (req.url === '/text') return res.writeHead(200).end('not json')
      if (req.url === '/metrics') return res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('atpd_up 1\n')
      if (req.url === '/slow') return setTimeout(() => res.end('{}'), 500)
      // The first request of each pair finds its socket closed under it (an idle keep-alive
      // socket the server gives up on just as the request arrives): no answer at all.
      if (req.url?.startsWith('/closing') === true && closings++ % 2 === 0) { req.socket.destroy(); return }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => { await new Promise((resolve) => server.close(resolve)) })

describe('AtpApiClient', () => {
  it('sends the query, the token and JSON, and returns the typed body', async () => {
    const client = new AtpApiClient({ baseUrl: baseUrl + '/', token: 't0k' })
    expect(await client.routes('code-review')).toEqual([{ capability: 'a' }])
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/routes?capability=code-review', auth: 'Bearer t0k' })
    expect(await client.request('POST', '/v1/outcomes', { body: { ok: true } })).toBeUndefined() // 204
    expect(seen.at(-1)?.body).toBe('{"ok":true}')
  })

  it('reads the Prometheus text of GET /metrics', async () => {
    expect(await new AtpApiClient({ baseUrl }).metrics()).toBe('atpd_up 1\n')
  })

  it('types its failures: HTTP status with the daemon message, not JSON, timeout, unreachable', async () => {
    const client = new AtpApiClient({ baseUrl, timeoutMs: 200 })
    const http = await client.putAgent('x', {}).catch((e: unknown) => e)
    expect(http).toBeInstanceOf(ApiHttpError)
    expect((http as ApiHttpError).message).toBe('PUT /v1/agents/x: atpd answered 400 Bad Request: body.costUsd: must be >= 0')
    expect(await client.deleteAgent('gone')).toBe(false)
    await expect(client.request('GET', '/text')).rejects.toBeInstanceOf(ApiBodyError)
    await expect(client.request('GET', '/slow')).rejects.toBeInstanceOf(ApiTimeoutError)
    const [closed] = await freeLoopbackPorts(1)
    const down = await new AtpApiClient({ baseUrl: `http://127.0.0.1:${closed}` }).health().catch((e: unknown) => e)
    expect(down).toBeInstanceOf(ApiUnreachableError)
    expect((down as ApiUnreachableError).reason).toBe('connection refused')
  })

  it('sends a read again, once, when its socket is closed under it; never a write', async () => {
    const client = new AtpApiClient({ baseUrl })
    closings = 0
    expect((await client.send('GET', '/closing')).status).toBe(204)
    closings = 0
    const write = await client.send('POST', '/closing', { body: {} }).catch((e: unknown) => e)
    expect(write).toBeInstanceOf(ApiUnreachableError)
    expect(closings).toBe(1)
  })

  it('sends a raw body as given (hostile-input tests) and returns any status as a value', async () => {
    const r = await new AtpApiClient({ baseUrl }).send('PUT', '/v1/agents/x', { rawBody: '{"unclosed' })
    expect(r.status).toBe(400)
    expect(seen.at(-1)?.body).toBe('{"unclosed')
  })
})

describe('freeLoopbackPorts', () => {
  it('returns distinct ports, all held until every one is known', async () => {
    const ports = await freeLoopbackPorts(16)
    expect(new Set(ports).size).toBe(16)
  })

  it('picks ports below the ephemeral range, which outbound connections take their source ports from', async () => {
    const [low, high] = candidateRange()
    expect(high).toBeGreaterThan(low)
    for (const port of await freeLoopbackPorts(16)) {
      expect(port).toBeGreaterThanOrEqual(low)
      expect(port).toBeLessThan(high)
    }
  })
})
