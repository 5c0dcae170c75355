import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MEASURED_TAG } from '../../../agp/task/measured-window.ts'
import { ResolveBodyWriter } from '../../../daemon/api/resolve-body.ts'
import { candidateJsonSchema, routeJsonSchema } from '../../../daemon/api/route-schemas.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { toCandidateJson, toRouteJson } from '../../../daemon/api/views.ts'
import type { PathWindowView } from '../../../agp/window/path-window.ts'
import type { Candidate, RouteView } from '../../../reflector/types.ts'
import { createFakeFacade, MEASURED_AT_MS, type FakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

// A route with every optional part present (a site, a site path, tags, a window), so
// every field of the route JSON has a value to lose.
const FULL: RouteView = {
  route: makeRoute({
    capability: 'code-review/python',
    originOrg: 'acme',
    originSite: 'acme-b',
    agentId: 'rev',
    tags: [MEASURED_TAG, 'gpu'],
    originatedAtMs: MEASURED_AT_MS,
    winRate: { wins: 7, trials: 9, measuredAtMs: MEASURED_AT_MS }
  }, { orgPath: ['rr', 'acme'], sitePath: ['acme-c', 'acme-b'], originatorId: '12D3KooWorigin', clusterList: ['c1', 'c2'], pathTags: ['partner-a'], refreshedAtMs: MEASURED_AT_MS + 60_000 }),
  fromPeer: '12D3KooWfrom',
  state: 'stale',
  penalty: 1.5,
  usable: true,
  best: true,
  localPref: 150
}
const WINDOW: PathWindowView = { tasks: 3, inFlight: 1, tokensPerMinute: null, usdPerMinute: 2.5, congested: true }

describe('route and resolve response schemas', () => {
  let facade: FakeFacade
  let app: FastifyInstance
  let windowView: PathWindowView | undefined

  beforeEach(async () => {
    facade = createFakeFacade()
    facade.routeViews = [FULL]
    windowView = WINDOW
    // The API binds the lookup once, at start: tests change what it answers.
    facade.window = () => windowView
    app = await createApiServer({ facade })
  })
  afterEach(async () => { await app.close() })

  it('name every field of the route JSON, and only those', () => {
    const json = toRouteJson(FULL, () => WINDOW)
    expect(Object.keys(routeJsonSchema.properties).sort()).toEqual(Object.keys(json).sort())
    const candidate = toCandidateJson({ view: FULL, score: 0.5, reason: 'best' }, () => WINDOW)
    expect(Object.keys(candidateJsonSchema.properties).sort()).toEqual(Object.keys(candidate).sort())
  })

  it('GET /v1/routes returns every field of the route JSON, unchanged', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/routes' })
    expect(res.statusCode).toBe(200)
    const expected = JSON.parse(JSON.stringify(toRouteJson(FULL, () => WINDOW))) as Record<string, unknown>
    expect(res.json().routes).toEqual([expected])
    for (const field of ['measured', 'window', 'site', 'sitePath', 'measuredAt', 'originatedAt', 'tags', 'originPeerId']) {
      expect(res.json().routes[0]).toHaveProperty(field, expected[field])
    }
  })

  it('GET /v1/resolve returns every field of the candidate JSON, unchanged', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })
    expect(res.statusCode).toBe(200)
    const [c] = facade.resolve({ capability: 'code-review/python' })?.candidates ?? []
    expect(c).toBeDefined()
    const expected = JSON.parse(JSON.stringify(toCandidateJson(c!, () => WINDOW))) as Record<string, unknown>
    expect(res.json()).toEqual({ capability: 'code-review/python', candidates: [expected] })
    expect(Object.keys(res.json().candidates[0]).sort()).toEqual(Object.keys(candidateJsonSchema.properties).sort())
  })

  it('writes a route without a window or valid times as the plain JSON would', async () => {
    windowView = undefined
    facade.routeViews = [{ ...FULL, route: makeRoute({ originatedAtMs: Number.NaN, winRate: { measuredAtMs: Number.NaN } }) }]
    const res = await app.inject({ method: 'GET', url: '/v1/routes' })
    const plain = JSON.parse(JSON.stringify(toRouteJson(facade.routeViews[0]!))) as Record<string, unknown>
    expect(res.json().routes).toEqual([plain])
    expect(plain.window).toBeUndefined()
    expect(plain.measuredAt).toBeNull()
  })

  it('writes a score of −∞ (nothing sensible known) as null, as JSON.stringify does', async () => {
    facade.resolve = () => ({ capability: 'code-review/python', candidates: [{ view: FULL, score: Number.NEGATIVE_INFINITY, reason: 'best' }] })
    const res = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })
    expect(res.statusCode).toBe(200)
    expect(res.json().candidates[0].score).toBeNull()
  })

  it('answers a resolve of several candidates as the plain JSON of each candidate', async () => {
    const other: RouteView = { ...FULL, route: makeRoute({ originOrg: 'globex', agentId: 'lint', costUsd: 0.9 }), best: false, state: 'active', penalty: 0 }
    const candidates: Candidate[] = [
      { view: FULL, score: 0.75, reason: 'best' },
      { view: other, score: Number.NEGATIVE_INFINITY, reason: 'higher-resolve-score' },
      { view: { ...FULL, fromPeer: '' }, score: 0.1, reason: 'global-order' }
    ]
    facade.resolve = () => ({ capability: 'code-review/python', candidates })
    windowView = undefined
    // JSON.stringify writes −∞ as null, as the schema does.
    const plain = JSON.stringify({ capability: 'code-review/python', candidates: candidates.map((c) => toCandidateJson(c, () => windowView)) })
    const res = await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length)
    expect(JSON.parse(res.body)).toEqual(JSON.parse(plain))
  })

  it('a kept answer piece never hides a change: new route facts, a new view of the path, a new score', async () => {
    let view: RouteView = FULL
    let score = 0.5
    facade.resolve = () => ({ capability: 'code-review/python', candidates: [{ view, score, reason: 'best' }] })
    const get = async (): Promise<Record<string, unknown>> =>
      (await app.inject({ method: 'GET', url: '/v1/resolve?capability=code-review/python' })).json().candidates[0]
    expect(await get()).toMatchObject({ costUsd: FULL.route.attrs.costUsd, state: 'stale', score: 0.5, window: { tasks: 3 } })
    // Same route, another view of it (damping penalty, freshness, best, window) and another score.
    view = { ...FULL, state: 'active', penalty: 700, best: false, localPref: 90 }
    score = 0.25
    windowView = undefined
    const second = await get()
    expect(second).toMatchObject({ costUsd: FULL.route.attrs.costUsd, state: 'active', penalty: 700, best: false, localPref: 90, score: 0.25 })
    expect(second).not.toHaveProperty('window')
    // Same path, a new route (the origin changed its cost): a new object, so new facts.
    view = { ...view, route: makeRoute({ ...FULL.route.attrs, costUsd: 0.05, originSeq: FULL.route.attrs.originSeq + 1 }, { orgPath: ['rr', 'acme'] }) }
    expect(await get()).toMatchObject({ costUsd: 0.05, originSeq: FULL.route.attrs.originSeq + 1, path: ['rr', 'acme'] })
  })
})

describe('resolve body writer', () => {
  it('keeps the facts of routes up to its byte bound, the oldest dropped first', () => {
    const writer = new ResolveBodyWriter(4000)
    const serializers = { envelope: JSON.stringify, facts: JSON.stringify, view: JSON.stringify }
    for (let i = 0; i < 100; i++) {
      const view: RouteView = { ...FULL, route: makeRoute({ agentId: `a${i}` }) }
      const body = writer.write({ capability: 'code-review/python', candidates: [{ view, score: i, reason: 'best' }] }, serializers)
      expect(JSON.parse(body.toString('utf8')).candidates[0]).toMatchObject({ agent: `a${i}`, score: i })
      expect(writer.keptBytes).toBeLessThanOrEqual(4000)
    }
    expect(writer.size).toBeGreaterThan(0)
    expect(writer.size).toBeLessThan(100)
  })
})
