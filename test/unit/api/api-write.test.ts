import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LimitExceededError } from '../../../kernel/errors.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { createFakeFacade, type FakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { agentFields } from '../../helpers/fixtures.ts'

const agent = agentFields({ tags: ['fast'] })

describe('API agents and outcomes', () => {
  let facade: FakeFacade
  let app: FastifyInstance

  beforeEach(async () => {
    facade = createFakeFacade()
    app = await createApiServer({ facade })
  })
  afterEach(async () => { await app.close() })

  it('PUT creates (201) then updates (200); GET lists; DELETE removes then 404s', async () => {
    const created = await app.inject({ method: 'PUT', url: '/v1/agents/reviewer-1', payload: agent })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toEqual({ result: 'created', agent: { id: 'reviewer-1', ...agent } })
    const updated = await app.inject({ method: 'PUT', url: '/v1/agents/reviewer-1', payload: { ...agent, costUsd: 0.5 } })
    expect(updated.statusCode).toBe(200)
    expect(facade.agentMap.get('reviewer-1')?.costUsd).toBe(0.5)
    const list = await app.inject({ method: 'GET', url: '/v1/agents' })
    expect(list.json()).toEqual({ agents: [{ id: 'reviewer-1', ...agent, costUsd: 0.5 }] })
    const removed = await app.inject({ method: 'DELETE', url: '/v1/agents/reviewer-1' })
    expect(removed.statusCode).toBe(200)
    const again = await app.inject({ method: 'DELETE', url: '/v1/agents/reviewer-1' })
    expect(again.statusCode).toBe(404)
    expect(again.json().message).toBe("no local agent 'reviewer-1'")
  })

  it('PUT fills defaults for optional fields (winRate, region, tags)', async () => {
    const { winRate: _w, region: _r, tags: _t, ...minimal } = agent
    const res = await app.inject({ method: 'PUT', url: '/v1/agents/min', payload: minimal })
    expect(res.statusCode).toBe(201)
    expect(facade.agentMap.get('min')).toEqual({ id: 'min', ...minimal, winRate: { wins: 0, trials: 0 }, region: '', tags: [] })
  })

  it('PUT accepts a body id equal to the path id and rejects a different one', async () => {
    expect((await app.inject({ method: 'PUT', url: '/v1/agents/a1', payload: { ...agent, id: 'a1' } })).statusCode).toBe(201)
    const res = await app.inject({ method: 'PUT', url: '/v1/agents/a1', payload: { ...agent, id: 'a2' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain('body.id')
  })

  it.each([
    [{ ...agent, costUsd: -1 }, 'body.costUsd: must be >= 0'],
    [{ ...agent, costUsd: 'cheap' }, 'body.costUsd: must be number'],
    [{ ...agent, capability: 'Code Review' }, 'body.capability: not a capability'],
    [{ ...agent, latencyMs: { p50: 3000, p95: 2000 } }, 'body.latencyMs.p95: p50 must not exceed p95'],
    [{ ...agent, winRate: { wins: 5, trials: 2 } }, 'body.winRate.wins: wins must not exceed trials'],
    [{ ...agent, endpoint: 'ftp://x' }, 'body.endpoint: not an http(s) URL'],
    [{ ...agent, colour: 'red' }, 'body.colour: unknown field'],
    [{ ...agent, tags: ['a', 'a'] }, 'body.tags: duplicate tag'],
    [(({ endpoint: _e, ...rest }) => rest)(agent), 'body.endpoint: required']
  ])('PUT with a bad body → 400 (%#)', async (payload, message) => {
    const res = await app.inject({ method: 'PUT', url: '/v1/agents/x', payload })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain(message)
    expect(facade.agentMap.size).toBe(0)
  })

  it('PUT with a bad id, malformed JSON or no body → 400', async () => {
    const badId = await app.inject({ method: 'PUT', url: '/v1/agents/Bad_Id', payload: agent })
    expect(badId.statusCode).toBe(400)
    expect(badId.json().message).toContain('params.id: not an agent id')
    const badJson = await app.inject({ method: 'PUT', url: '/v1/agents/x', headers: { 'content-type': 'application/json' }, payload: '{"capability":' })
    expect(badJson.statusCode).toBe(400)
    const noBody = await app.inject({ method: 'PUT', url: '/v1/agents/x' })
    expect(noBody.statusCode).toBe(400)
  })

  it('a JSON body is taken with its own types: null or a string where a number goes, a number where a string goes → 400, nothing stored', async () => {
    const freeAgent = await app.inject({ method: 'PUT', url: '/v1/agents/x', payload: { ...agent, costUsd: null } })
    expect(freeAgent.json()).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION', message: 'body.costUsd: must be number' })
    const textCost = await app.inject({ method: 'PUT', url: '/v1/agents/x', payload: { ...agent, costUsd: '0.4' } })
    expect(textCost.statusCode).toBe(400)
    expect(facade.agentMap.size).toBe(0)
    const numericCapability = await app.inject({ method: 'POST', url: '/v1/outcomes', payload: { org: 'acme', agent: 'rev', capability: 0, success: true } })
    expect(numericCapability.json()).toMatchObject({ statusCode: 400, message: 'body.capability: must be string' })
    const textSuccess = await app.inject({ method: 'POST', url: '/v1/outcomes', payload: { org: 'acme', agent: 'rev', capability: 'code-review/python', success: 'false' } })
    expect(textSuccess.statusCode).toBe(400)
    expect(facade.reported).toEqual([])
  })

  it('fastify\'s own refusals answer in the API\'s codes and say what to send', async () => {
    const badJson = await app.inject({ method: 'PUT', url: '/v1/agents/x', headers: { 'content-type': 'application/json' }, payload: '{"capability":' })
    expect(badJson.json()).toMatchObject({ statusCode: 400, code: 'ERR_BAD_JSON', message: "Body is not valid JSON but content-type is set to 'application/json'" })
    const form = await app.inject({ method: 'POST', url: '/v1/outcomes', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'org=acme' })
    expect(form.json()).toEqual({ statusCode: 415, error: 'Unsupported Media Type', code: 'ERR_UNSUPPORTED_MEDIA_TYPE', message: "content-type 'application/x-www-form-urlencoded' is not accepted: send application/json" })
    const small = await createApiServer({ facade, bodyLimit: 64 })
    const large = await small.inject({ method: 'PUT', url: '/v1/agents/x', payload: { ...agent, endpoint: `http://x/${'a'.repeat(100)}` } })
    await small.close()
    expect(large.json()).toMatchObject({ statusCode: 413, code: 'ERR_BODY_TOO_LARGE', message: 'request body larger than 64 bytes' })
    expect(facade.agentMap.size).toBe(0)
  })

  it('PUT refused by the daemon with a limit error → 409', async () => {
    facade.putAgent = async () => { throw new LimitExceededError('too many local agents (max 2)', 2) }
    const res = await app.inject({ method: 'PUT', url: '/v1/agents/x', payload: agent })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ code: 'ERR_LIMIT_EXCEEDED', message: 'too many local agents (max 2)' })
  })

  it('POST /v1/outcomes → 202 and reaches the daemon', async () => {
    const outcome = { org: 'acme', agent: 'rev', capability: 'code-review/python', success: true, latencyMs: 800, costUsd: 0.3 }
    const res = await app.inject({ method: 'POST', url: '/v1/outcomes', payload: outcome })
    expect(res.statusCode).toBe(202)
    expect(facade.reported).toEqual([outcome])
  })

  it('POST /v1/outcomes for an unknown path → 404 ERR_UNKNOWN_PATH; GET /v1/outcomes lists', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/outcomes', payload: { org: 'acme', agent: 'unknown', capability: 'code-review', success: false } })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'ERR_UNKNOWN_PATH' })
    const list = await app.inject({ method: 'GET', url: '/v1/outcomes' })
    expect(list.statusCode).toBe(200)
    expect(list.json()).toEqual({ outcomes: [] })
  })

  it('POST /v1/outcomes for a path the daemon does not know → 404 ERR_UNKNOWN_PATH', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/outcomes', payload: { org: 'nobody', agent: 'rev', capability: 'code-review/python', success: true } })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'ERR_UNKNOWN_PATH', message: 'no route from nobody/rev in the Loc-RIB (see atp routes)' })
    expect(facade.reported).toEqual([])
  })

  it.each([
    [{ org: 'acme', agent: 'rev', capability: 'code-review' }, 'body.success: required'],
    [{ org: 'acme', agent: 'rev', capability: 'code-review', success: 'yes' }, 'body.success: must be boolean'],
    [{ org: 'ACME', agent: 'rev', capability: 'code-review', success: true }, 'body.org: not an org name'],
    [{ org: 'acme', agent: 'rev', capability: 'code-review', success: true, latencyMs: -5 }, 'body.latencyMs: must be >= 0'],
    [{ org: 'acme', agent: 'rev', capability: 'code-review', success: true, extra: 1 }, 'body.extra: unknown field']
  ])('POST /v1/outcomes with a bad body → 400 (%#)', async (payload, message) => {
    const res = await app.inject({ method: 'POST', url: '/v1/outcomes', payload })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toContain(message)
    expect(facade.reported).toHaveLength(0)
  })
})

describe('API bearer token', () => {
  const token = 'a-long-enough-secret-token'
  let app: FastifyInstance
  beforeEach(async () => { app = await createApiServer({ facade: createFakeFacade(), token }) })
  afterEach(async () => { await app.close() })

  it.each(['/v1/health', '/v1/routes', '/metrics', '/v1/unknown'])('GET %s without a token → 401', async (url) => {
    const res = await app.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toContain('Bearer')
    expect(res.json().message).toContain('missing bearer token')
  })

  it('a wrong token → 401, the right one → 200', async () => {
    const wrong = await app.inject({ method: 'GET', url: '/v1/health', headers: { authorization: 'Bearer nope' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().message).toBe('invalid bearer token')
    const right = await app.inject({ method: 'GET', url: '/v1/health', headers: { authorization: `Bearer ${token}` } })
    expect(right.statusCode).toBe(200)
  })

  it('the looking glass asks a browser for Basic credentials and takes the token as password', async () => {
    const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    const none = await app.inject({ method: 'GET', url: '/' })
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toContain('Basic')
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: basic('ops', 'nope') } })).statusCode).toBe(401)
    const ok = await app.inject({ method: 'GET', url: '/', headers: { authorization: basic('ops', token) } })
    expect(ok.statusCode).toBe(200)
    expect(ok.headers['content-type']).toContain('text/html')
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
    // Basic credentials open the page only, never the API.
    expect((await app.inject({ method: 'GET', url: '/v1/health', headers: { authorization: basic('ops', token) } })).statusCode).toBe(401)
  })
})
