// Fuzzing the user's own inputs: a config file and the API's bodies. Whatever the text
// or the body, the config loader answers a config or a ConfigError naming a field
// (never another exception), and the API answers 2xx or 4xx (never 5xx). Scale with
// FUZZ_RUNS.
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError, parseConfig } from '../../../daemon/config/index.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { agentFields } from '../../helpers/fixtures.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
/** Arbitrary text at the config parser: `npm run fuzz` gives it a million inputs. */
const decoderRuns = Number(process.env.FUZZ_DECODER_RUNS ?? numRuns)

const junk = fc.anything({ maxDepth: 3, withBigInt: false, withNullPrototype: false })
const base = { org: 'acme', role: 'peer', dataDir: 'd', agents: [{ id: 'a1', ...agentFields() }], api: { token: null } }
const keys = ['org', 'role', 'dataDir', 'listen', 'api', 'cluster', 'neighbors', 'interests', 'agents', 'damping', 'freshness', 'mraiMs', 'holdTimeS', 'policy', 'discovery', 'memory', 'limits', 'log', 'audit']

/** A valid config with a few fields (top-level or inside the first agent) replaced by junk. */
const config = fc.record({
  top: fc.dictionary(fc.constantFrom(...keys), junk, { maxKeys: 3 }),
  agent: fc.dictionary(fc.constantFrom('id', 'capability', 'endpoint', 'costUsd', 'latencyMs', 'winRate', 'region', 'tags', 'extra'), junk, { maxKeys: 2 }),
  token: fc.option(fc.string({ unit: 'binary', minLength: 10, maxLength: 40 }), { nil: undefined })
}).map(({ top, agent, token }) => ({
  ...base,
  ...(token !== undefined ? { api: { token } } : {}),
  agents: [{ ...base.agents[0], ...agent }],
  ...top
}))

function onlyConfigErrors (text: string): void {
  try {
    parseConfig(text, 'fuzz.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(/^config error: /)
  }
}

describe('config: any text → a config or a ConfigError', () => {
  it('valid configs with fields replaced by anything', () => {
    fc.assert(fc.property(config, (c) => {
      let text: string
      try { text = stringify(c) } catch { return }
      onlyConfigErrors(text)
    }), { numRuns })
  })
  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => { onlyConfigErrors(text) }), { numRuns: decoderRuns })
  })
})

describe('API bodies: any JSON → 2xx or 4xx, never 5xx', () => {
  let app: FastifyInstance
  beforeAll(async () => { app = await createApiServer({ facade: createFakeFacade() }) })
  afterAll(async () => { await app.close() })

  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record({ ...Object.fromEntries(Object.keys(agentFields()).map((k) => [k, junk])) }, { requiredKeys: [] }).map((o) => ({ ...agentFields(), ...o }))
  )
  const request = fc.record({
    route: fc.constantFrom('PUT /v1/agents/a1', 'POST /v1/outcomes', 'PUT /v1/agents/Bad%20Id'),
    body
  })
  it('agents and outcomes', async () => {
    await fc.assert(fc.asyncProperty(request, async ({ route, body: b }) => {
      const [method, url] = route.split(' ') as ['PUT' | 'POST', string]
      const res = await app.inject({ method, url, payload: JSON.stringify(b), headers: { 'content-type': 'application/json' } })
      expect(res.statusCode, res.body).toBeLessThan(500)
    }), { numRuns })
  })
  it('query strings', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('/v1/routes', '/v1/resolve'), fc.dictionary(fc.constantFrom('capability', 'limit', 'region', 'tags', 'maxCostUsd', 'x'), fc.string({ maxLength: 20 }), { maxKeys: 4 }), async (path, q) => {
      const res = await app.inject({ method: 'GET', url: path, query: q })
      expect(res.statusCode, res.body).toBeLessThan(500)
    }), { numRuns })
  })
})
