import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MEASURED_TAG } from '../../../agp/task/measured-window.ts'
import { candidateJsonSchema, routeJsonSchema } from '../../../daemon/api/route-schemas.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { toCandidateJson, toRouteJson } from '../../../daemon/api/views.ts'
import type { PathWindowView } from '../../../agp/window/path-window.ts'
import type { RouteView } from '../../../reflector/types.ts'
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
  }, { orgPath: ['rr', 'acme'], sitePath: ['acme-c', 'acme-b'], originatorId: '12D3KooWorigin', clusterList: ['c1', 'c2'], pathTags: ['partner-a'] }),
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
})
