import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../kernel/errors.ts'
import { registeredRoutes } from '../../../daemon/api/openapi.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { formatUptime } from '../../../daemon/api/uptime.ts'
import { createMetrics, type Metrics } from '../../../daemon/metrics/metrics.ts'
import { createFakeFacade, type FakeFacade } from '../../helpers/fake-daemon-facade.ts'

describe('API read endpoints', () => {
  let facade: FakeFacade
  let metrics: Metrics
  let app: FastifyInstance

  beforeEach(async () => {
    facade = createFakeFacade()
    metrics = createMetrics()
    app = await createApiServer({ facade, metrics })
  })
  afterEach(async () => { await app.close() })

  it('GET /v1/health answers the contract fields', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true, org: 'acme', peerId: '12D3KooWself', role: 'peer', interests: [] })
    expect(res.json().version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('GET /v1/health answers 503 while not ok', async () => {
    facade.ok = false
    const res = await app.inject({ method: 'GET', url: '/v1/health' })
    expect(res.statusCode).toBe(503)
    expect(res.json().ok).toBe(false)
  })

  it('GET /v1/peers lists sessions', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/peers' })
    expect(res.json()).toEqual({
      peers: [{ peerId: '12D3KooWrr', org: 'rr', role: 'reflector', state: 'established', routesReceived: 3, routesSent: 1, interests: [], establishedAtMs: 1_700_000_000_000, addresses: ['/ip4/127.0.0.1/tcp/4001'] }]
    })
  })

  it('GET /v1/routes renders the contract route JSON', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/routes?capability=code-review' })
    expect(res.statusCode).toBe(200)
    const routes = res.json().routes
    expect(routes).toHaveLength(2)
    expect(routes[0]).toMatchObject({
      capability: 'code-review/python',
      org: 'acme',
      agent: 'rev',
      path: ['rr', 'acme'],
      originatorId: '12D3KooWorigin',
      clusterList: ['c1'],
      costUsd: 0.4,
      latencyMs: { p50: 900, p95: 2000 },
      winRate: { wins: 80, trials: 100 },
      region: 'eu',
      tags: ['partner-a'],
      measured: false,
      measuredAt: '2026-11-01T12:00:00.000Z',
      state: 'active',
      penalty: 0,
      best: true,
      endpoint: 'http://127.0.0.1:9001',
      fromPeer: '12D3KooWfrom',
      localPref: 100,
      usable: true,
      originSeq: 1
    })
  })

  it('GET /v1/routes without capability lists all', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/routes' })
    expect(res.json().routes).toHaveLength(3)
  })

  it('GET /v1/routes rejects a bad capability and unknown query fields', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/routes?capability=Code%20Review' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/^querystring\.capability: not a capability/)
    const unknown = await app.inject({ method: 'GET', url: '/v1/routes?cap=x' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().message).toBe('querystring.cap: unknown field')
  })

  it('GET /v1/resolve passes typed constraints and returns candidates with score and reason', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python/security&maxCostUsd=1&maxLatencyMs=3000&region=eu&limit=5' })
    expect(res.statusCode).toBe(200)
    expect(facade.queries[0]).toEqual({ capability: 'code-review/python/security', maxCostUsd: 1, maxLatencyMs: 3000, region: 'eu', limit: 5 })
    const body = res.json()
    expect(body.capability).toBe('code-review/python')
    expect(body.candidates).toHaveLength(2)
    expect(body.candidates[0]).toMatchObject({ org: 'acme', agent: 'rev', score: 0.9, reason: 'best', measuredAt: '2026-11-01T12:00:00.000Z' })
  })

  it('GET /v1/resolve asks for the best 10 when no limit is given; up to 1000 on request', async () => {
    await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })
    await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python&limit=1000' })
    expect(facade.queries.map((q) => q.limit)).toEqual([10, 1000])
  })

  it('GET /v1/resolve: 404 when nothing matches, 404 when constraints exclude everything', async () => {
    const none = await app.inject({ method: 'GET', url: '/v1/resolve?capability=translate' })
    expect(none.statusCode).toBe(404)
    expect(none.json()).toMatchObject({ statusCode: 404, code: 'ERR_NO_MATCH', message: "no route matches capability 'translate'" })
    const tooCheap = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python&maxCostUsd=0.1' })
    expect(tooCheap.statusCode).toBe(404)
    expect(tooCheap.json().message).toContain('maxCostUsd=0.1')
  })

  it('GET /v1/resolve: a 404 names more specific capabilities, or the local interests that filter it', async () => {
    const code = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review' })
    expect(code.json().message).toBe("no route matches capability 'code-review'; did you mean a more specific capability: code-review/python?")
    facade.interests = ['code-review']
    const filtered = await app.inject({ method: 'GET', url: '/v1/resolve?capability=translate' })
    expect(filtered.json().message).toContain("it is outside this daemon's interests (code-review)")
    facade.interests = []
  })

  it.each([
    ['/v1/resolve', 'querystring.capability: required'],
    ['/v1/resolve?capability=x&limit=0', 'querystring.limit: must be >= 1'],
    ['/v1/resolve?capability=x&limit=2.5', 'querystring.limit: must be integer'],
    ['/v1/resolve?capability=x&maxCostUsd=cheap', 'querystring.maxCostUsd: must be number'],
    ['/v1/resolve?capability=x&maxLatencyMs=-1', 'querystring.maxLatencyMs: must be >= 0'],
    ['/v1/resolve?capability=x&colour=red', 'querystring.colour: unknown field']
  ])('GET %s → 400 %s', async (url, message) => {
    const res = await app.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'ERR_VALIDATION', message })
  })

  it('maps a typed core error from the facade to 400, anything else to 500 without leaking it', async () => {
    facade.resolve = () => { throw new InvalidArgumentError('capability too deep') }
    const typed = await app.inject({ method: 'GET', url: '/v1/resolve?capability=x' })
    expect(typed.statusCode).toBe(400)
    expect(typed.json().message).toBe('capability too deep')
    facade.resolve = () => { throw new Error('secret internals') }
    const untyped = await app.inject({ method: 'GET', url: '/v1/resolve?capability=x' })
    expect(untyped.statusCode).toBe(500)
    expect(untyped.body).not.toContain('secret')
  })

  it('unknown routes get a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nope?x=1' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toContain('application/json')
    expect(res.json()).toMatchObject({ code: 'ERR_NOT_FOUND', message: 'no endpoint GET /v1/nope' })
  })

  it('GET /metrics serves Prometheus text including API request counts and resolve latency', async () => {
    await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })
    metrics.updates('in', 2, 10)
    metrics.setSessionStates(['established', 'established', 'idle'])
    const res = await app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.body).toContain('atpd_api_requests_total{method="GET",route="/v1/resolve",status="200"} 1')
    expect(res.body).toContain('atpd_resolve_duration_seconds_count 1')
    expect(res.body).toContain('atpd_updates_total{direction="in"} 2')
    expect(res.body).toContain('atpd_sessions{state="established"} 2')
  })

  it('GET / renders a looking glass with escaped cells and no external assets', async () => {
    facade.peerViews = [{ peerId: '<script>', org: 'rr', role: 'reflector', state: 'idle', routesReceived: 0, routesSent: 0, interests: [] }]
    const res = await app.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.body).toContain('<h2>Routes (3)</h2>')
    expect(res.body).toContain('code-review/python')
    expect(res.body).toContain('&#60;script&#62;')
    // One inline script of its own; nothing loaded from elsewhere; links stay on this daemon.
    expect(res.body.match(/<script/g)).toHaveLength(1)
    expect(res.body).not.toMatch(/src=|href="(?!\/)/)
    expect(res.body).toContain('href="/metrics"')
    expect(res.body).toContain('href="/openapi.json"')
    expect(res.body).toContain('<form id="resolve-form" method="get" action="/lg/resolve">')
    expect(res.body).toContain('<th>uptime</th>')
    expect(res.body).toContain('<th>addresses</th>')
  })

  it('formatUptime shows a session\'s uptime in its two largest units, nothing while it is down', () => {
    expect(formatUptime(undefined, 5000)).toBe('')
    expect(formatUptime(0, 7_000)).toBe('7s')
    expect(formatUptime(0, 306_000)).toBe('5m6s')
    expect(formatUptime(0, 3 * 3_600_000 + 240_000)).toBe('3h4m')
    expect(formatUptime(0, 86_400_000 + 2 * 3_600_000 + 59_000)).toBe('1d2h')
  })

  it('GET /lg/resolve renders ranked candidates or the reason nothing matched; /lg/route shows every attribute', async () => {
    const ok = await app.inject({ method: 'GET', url: '/lg/resolve?capability=code-review/python&maxCostUsd=' })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('<code id="resolve-capability">code-review/python</code>')
    expect(ok.body).toMatch(/<td>1<\/td><td><a href="\/lg\/route\?capability=code-review%2Fpython&#38;org=acme&#38;agent=rev">acme\/rev<\/a>/)
    const none = await app.inject({ method: 'GET', url: '/lg/resolve?capability=code-review' })
    expect(none.body).toContain('did you mean a more specific capability: code-review/python?')
    const detail = await app.inject({ method: 'GET', url: '/lg/route?capability=code-review/python&org=acme&agent=rev' })
    expect(detail.statusCode).toBe(200)
    for (const attr of ['originatorId', 'clusterList', 'penalty', 'localPref', 'originSeq']) expect(detail.body).toContain(`<th>${attr}</th>`)
    expect((await app.inject({ method: 'GET', url: '/lg/route?capability=x&org=a&agent=b' })).statusCode).toBe(404)
  })

  it('GET /openapi.json is OpenAPI 3.1 and lists exactly the registered routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json() as { openapi: string, paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)).sort()
    const hidden = new Set(['GET /', 'GET /openapi.json', 'GET /lg/resolve', 'GET /lg/route'])
    const routes = registeredRoutes(app).map((r) => `${r.method} ${r.url}`).filter((r) => !hidden.has(r)).sort()
    expect(documented).toEqual(routes)
    expect(routes).toEqual(expect.arrayContaining(['GET /v1/resolve', 'PUT /v1/agents/:id', 'POST /v1/outcomes', 'GET /metrics']))
    // Route JSON declares whether the origin's figures are measured.
    const routeSchema = (doc.paths['/v1/routes']?.get as { responses: Record<string, { content: Record<string, { schema: { properties: { routes: { items: { required: string[], properties: Record<string, { type: string }> } } } } }> }> } | undefined)
      ?.responses['200']?.content['application/json']?.schema.properties.routes.items
    expect(routeSchema?.required).toContain('measured')
    expect(routeSchema?.properties.measured?.type).toBe('boolean')
    const peerSchema = (doc.paths['/v1/peers']?.get as { responses: Record<string, { content: Record<string, { schema: { properties: { peers: { items: { properties: Record<string, { type: string }> } } } } }> }> } | undefined)
      ?.responses['200']?.content['application/json']?.schema.properties.peers.items
    expect(peerSchema?.properties.establishedAtMs?.type).toBe('number')
    expect(peerSchema?.properties.addresses?.type).toBe('array')
  })
})
