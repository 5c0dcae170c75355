// Fuzzing what a local caller sends the API: bodies (valid ones with fields replaced or
// dropped, any JSON, any bytes under any content type) and query strings. Whatever the
// request: never a 5xx; a refusal is a 4xx with the API's error body (statusCode, error,
// an ERR_ code, a message); a refused write stores nothing, an accepted one stores what
// it answered. One app serves every input (fastify.inject, no socket): a request costs
// ~0.25-0.35 ms of CPU, so `npm run fuzz` gives each property FUZZ_DECODER_RUNS (a million).
import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiServer } from '../../../daemon/api/server.ts'
import { createFakeFacade, type FakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { agentFields } from '../../helpers/fixtures.ts'
import { FuzzProgress } from '../../helpers/fuzz-batches.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)
/** A long run says how far it got every 50,000 inputs. */
const progressEvery = decoderRuns >= 100_000 ? 50_000 : 0

const junk = fc.anything({ maxDepth: 3, withBigInt: false, withNullPrototype: false })
/** Values a careless or hostile caller puts in a field: near misses as well as junk. */
const fieldValue = fc.oneof(junk, fc.double(), fc.integer(), fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('', 'http://x', '-1', 'a/b', 'x'.repeat(300)))

/** A valid body with up to two fields replaced by anything and up to two dropped. */
function mutated (valid: Record<string, unknown>, extraKeys: readonly string[]): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(valid), ...extraKeys]
  return fc.record({
    replace: fc.dictionary(fc.constantFrom(...keys), fieldValue, { maxKeys: 2 }),
    drop: fc.subarray(Object.keys(valid), { maxLength: 2 })
  }).map(({ replace, drop }) => {
    const body: Record<string, unknown> = { ...valid, ...replace }
    for (const k of drop) Reflect.deleteProperty(body, k)
    return body
  })
}

/** Outcomes for the paths the fake daemon holds (acme/rev, globex/lint) and for one it does not. */
const outcomeBase = fc.constantFrom(
  { org: 'acme', agent: 'rev', capability: 'code-review/python', success: true, latencyMs: 800, costUsd: 0.3 },
  { org: 'globex', agent: 'lint', capability: 'code-review/python', success: false },
  { org: 'nobody', agent: 'rev', capability: 'code-review', success: true }
)

/** A payload as bytes on the wire, with the content type it claims. */
interface Payload { readonly text: string, readonly contentType: string }
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', '')
const json = (body: unknown): Payload => ({ text: JSON.stringify(body) ?? 'null', contentType: 'application/json' })
const payload = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> => fc.oneof(
  { weight: 4, arbitrary: valid.map(json) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
  { weight: 1, arbitrary: fc.record({ text: fc.string({ unit: 'binary', maxLength: 200 }), contentType }) },
  { weight: 1, arbitrary: fc.record({ text: valid.map((b) => JSON.stringify(b) ?? ''), contentType }) }
)

const agentIdInPath = fc.oneof(fc.constantFrom('a1', 'a2'), fc.stringMatching(/^[a-z0-9-]{1,70}$/), fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }))
const agentBody = fc.oneof(fc.constant(agentFields()), mutated({ ...agentFields() }, ['id', 'extra']))
/** A PUT: sometimes the body repeats the path's id, as a caller may. */
const putAgent = fc.tuple(agentIdInPath, fc.boolean()).chain(([id, repeatId]) => fc.record({
  kind: fc.constant('put-agent' as const),
  id: fc.constant(id),
  payload: payload(repeatId ? agentBody.map((b) => ({ id, ...(b as object) })) : agentBody)
}))

type Request =
  | { readonly kind: 'put-agent', readonly id: string, readonly payload: Payload }
  | { readonly kind: 'delete-agent', readonly id: string }
  | { readonly kind: 'outcome', readonly payload: Payload }

const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 4, arbitrary: putAgent },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-agent' as const), id: agentIdInPath }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('outcome' as const), payload: payload(fc.oneof(outcomeBase, outcomeBase.chain((o) => mutated(o, ['extra'])))) }) }
)

/**
 * fastify.inject answers through promises alone, but leaves an Immediate per request
 * that holds its mock socket and response (~9.5 KB): a property that only awaits never
 * lets the event loop run them, and a million requests exhausted a 4 GB heap. Yielding
 * every 100 requests keeps the heap flat (measured: 242 B per request left, was 9.7 KB).
 */
let sinceYield = 0
async function letImmediatesRun (): Promise<void> {
  if (++sinceYield < 100) return
  sinceYield = 0
  await new Promise((resolve) => setImmediate(resolve))
}

/** A refusal names itself: the API's error body with the status it was sent with. */
function expectClearRefusal (res: LightMyRequestResponse): void {
  const body = res.json<Record<string, unknown>>()
  expect(body.statusCode, res.body).toBe(res.statusCode)
  expect(body.code, res.body).toMatch(/^ERR_[A-Z_]+$/)
  expect(typeof body.error === 'string' && typeof body.message === 'string' && body.message.length > 0, res.body).toBe(true)
}

async function send (app: FastifyInstance, r: Request): Promise<LightMyRequestResponse> {
  const path = r.kind === 'outcome' ? '/v1/outcomes' : `/v1/agents/${encodeURIComponent(r.id)}`
  if (r.kind === 'delete-agent') return await app.inject({ method: 'DELETE', url: path })
  const headers = r.payload.contentType === '' ? {} : { 'content-type': r.payload.contentType }
  return await app.inject({ method: r.kind === 'outcome' ? 'POST' : 'PUT', url: path, payload: r.payload.text, headers })
}

describe('API requests: any body or query → 2xx or a clear 4xx, never 5xx', () => {
  let app: FastifyInstance
  let facade: FakeFacade
  beforeAll(async () => {
    facade = createFakeFacade()
    app = await createApiServer({ facade })
  })
  afterAll(async () => { await app.close() })

  it('agents and outcomes: a refused write stores nothing', async () => {
    const accepted = { put: 0, outcome: 0 }
    const progress = new FuzzProgress('API bodies fuzz', progressEvery)
    await fc.assert(fc.asyncProperty(request, async (r) => { await progress.check(async () => { await oneWrite(r); progress.add() }); await letImmediatesRun() }), { numRuns: decoderRuns })
    // Not vacuous: valid writes got through, not only refusals.
    if (decoderRuns >= 100) expect(accepted.put > 0 && accepted.outcome > 0, JSON.stringify(accepted)).toBe(true)

    async function oneWrite (r: Request): Promise<void> {
      const id = r.kind === 'outcome' ? '' : r.id
      const agentsBefore = facade.agentMap.size
      const heldBefore = facade.agentMap.get(id)
      const reportedBefore = facade.reported.length
      const res = await send(app, r)
      expect(res.statusCode, res.body).toBeLessThan(500)
      if (res.statusCode >= 400) {
        expectClearRefusal(res)
        expect(facade.reported.length).toBe(reportedBefore)
        if (r.kind !== 'outcome') expect(facade.agentMap.get(id)).toBe(heldBefore)
        expect(facade.agentMap.size).toBe(agentsBefore)
        return
      }
      if (r.kind === 'put-agent') {
        accepted.put++
        expect(res.statusCode).toBe(heldBefore === undefined ? 201 : 200)
        expect(facade.agentMap.get(id)).toEqual(res.json<{ agent: unknown }>().agent)
      } else if (r.kind === 'outcome') {
        accepted.outcome++
        expect(res.statusCode).toBe(202)
        expect(facade.reported.length).toBe(reportedBefore + 1)
        expect(facade.reported.at(-1)).toEqual(JSON.parse(r.payload.text))
      } else {
        expect(heldBefore).toBeDefined()
        expect(facade.agentMap.has(id)).toBe(false)
      }
    }
  })

  const queryValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('code-review', 'code-review/python', 'summarize', '0', '-1', '1e9', '1001', 'NaN', ''), fc.double().map(String))
  const queryKey = fc.constantFrom('capability', 'limit', 'region', 'tags', 'maxCostUsd', 'maxLatencyMs', 'x', '__proto__')
  it('query strings', async () => {
    let answered = 0
    const progress = new FuzzProgress('API queries fuzz', progressEvery)
    await fc.assert(fc.asyncProperty(fc.constantFrom('/v1/routes', '/v1/resolve'), fc.dictionary(queryKey, fc.oneof(queryValue, fc.array(queryValue, { minLength: 2, maxLength: 3 })), { maxKeys: 4 }), async (path, q) => {
      await progress.check(async () => {
        const res = await app.inject({ method: 'GET', url: path, query: q })
        expect(res.statusCode, res.body).toBeLessThan(500)
        if (res.statusCode >= 400) expectClearRefusal(res)
        else answered++
        progress.add()
      })
      await letImmediatesRun()
    }), { numRuns: decoderRuns })
    if (decoderRuns >= 100) expect(answered).toBeGreaterThan(0)
  })
})
