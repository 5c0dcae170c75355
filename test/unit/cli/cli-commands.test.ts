import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApiServer } from '../../../daemon/api/server.ts'
import { runAtp, type AtpRun } from '../../helpers/cli-io.ts'
import { createFakeFacade, type FakeFacade } from '../../helpers/fake-daemon-facade.ts'

describe('atp commands against a real HTTP server', () => {
  let facade: FakeFacade
  let app: FastifyInstance
  let api: string

  beforeAll(async () => {
    facade = createFakeFacade()
    app = await createApiServer({ facade })
    api = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => { await app.close() })
  beforeEach(() => { facade.agentMap.clear(); facade.reported.length = 0; facade.queries.length = 0 })

  async function atp (...args: string[]): Promise<AtpRun> {
    return await runAtp(['--api', api, ...args])
  }

  it('peers prints an aligned table', async () => {
    const r = await atp('peers')
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ORG\/SITE\s+ROLE\s+STATE\s+UPTIME\s+RECEIVED\s+SENT\s+PEER ID\s+ADDRESS/)
    expect(lines[1]).toMatch(/^rr\/-\s+reflector\s+established\s+\d+d\d+h\s+3\s+1\s+12D3KooWrr\s+\/ip4\/127.0.0.1\/tcp\/4001/)
  })

  it('budgets lists each budget with its spend', async () => {
    expect((await atp('budgets')).stdout).toBe('no budgets configured\n')
    const f = facade as FakeFacade & { budgets?: FakeFacade['budgets'] }
    f.budgets = () => [{ id: 'reviews', day: 1, spentTodayUsd: 0.8, spentTotalUsd: 3, usdPerDay: 1, usdPerMinute: null, spentLastMinuteUsd: 0.4, reservedUsd: 0 }]
    try {
      const lines = (await atp('budgets')).stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(/^BUDGET\s+USD\/DAY\s+SPENT TODAY\s+USD\/MIN\s+LAST MINUTE\s+RESERVED\s+TOTAL$/)
      expect(lines[1]).toMatch(/^reviews\s+1\s+0\.8\s+-\s+0\.4\s+0\s+3$/)
    } finally {
      delete f.budgets
    }
  })

  it('routes --json prints the API body; routes --capability filters', async () => {
    const json = await atp('--json', 'routes')
    expect(JSON.parse(json.stdout).routes).toHaveLength(3)
    const table = await atp('routes', '--capability', 'summarize')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/initech\/initech\s+sum/)
    expect(table.stdout).not.toContain('acme/acme')
  })

  it('resolve passes every constraint and ranks candidates', async () => {
    const r = await atp('resolve', 'code-review/python/security', '--max-cost', '1', '--max-latency', '3000', '--region', 'eu', '--limit', '5')
    expect(r.code).toBe(0)
    expect(facade.queries[0]).toEqual({ capability: 'code-review/python/security', maxCostUsd: 1, maxLatencyMs: 3000, region: 'eu', limit: 5 })
    expect(r.stdout).toContain('capability: code-review/python (longest match for code-review/python/security)')
    expect(r.stdout).toMatch(/\n\s*1\s+acme\/acme\s+rev\s+0\.4\s+900\s+2000\s+80\/100\s+eu\s+active\s+0\.9/)
  })

  it('resolve with nothing matching exits 1 with the daemon message', async () => {
    const r = await atp('resolve', 'translate')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("atp: GET /v1/resolve: atpd answered 404 Not Found: no route matches capability 'translate'\n")
  })

  it('a bad flag value is a usage error (exit 2) and sends nothing', async () => {
    const r = await atp('resolve', 'code-review', '--max-cost', 'cheap')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("option '--max-cost <usd>' argument 'cheap' is invalid")
    expect(facade.queries).toHaveLength(0)
  })

  it('agents add from flags, ls, rm, rm again fails', async () => {
    const add = await atp('agents', 'add', '--id', 'rev-1', '--capability', 'code-review/python', '--endpoint', 'http://127.0.0.1:9001',
      '--cost', '0.4', '--p50', '900', '--p95', '2000', '--wins', '8', '--trials', '10', '--region', 'eu', '--tag', 'fast', '--tag', 'py')
    expect(add).toMatchObject({ code: 0, stdout: 'created agent rev-1 (code-review/python)\n' })
    expect(facade.agentMap.get('rev-1')).toEqual({
      id: 'rev-1', capability: 'code-review/python', endpoint: 'http://127.0.0.1:9001', costUsd: 0.4,
      latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 8, trials: 10 }, region: 'eu', tags: ['fast', 'py']
    })
    const ls = await atp('agents', 'ls')
    expect(ls.stdout).toMatch(/rev-1\s+code-review\/python\s+0\.4\s+900\s+2000\s+8\/10\s+eu\s+fast,py/)
    expect((await atp('agents', 'rm', 'rev-1')).stdout).toBe('removed agent rev-1\n')
    const again = await atp('agents', 'rm', 'rev-1')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("no local agent 'rev-1'")
  })

  it('agents add validates locally and names the flag', async () => {
    const r = await atp('agents', 'add', '--id', 'x', '--capability', 'code-review', '--endpoint', 'http://h', '--cost', '1', '--p50', '50', '--p95', '10')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('invalid agent: --p95: p50 must not exceed p95')
    const missing = await atp('agents', 'add', '--id', 'x')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--capability: required')
    expect(facade.agentMap.size).toBe(0)
  })

  it('outcome posts success or failure, and needs exactly one', async () => {
    const ok = await atp('outcome', '--org', 'acme', '--agent', 'rev', '--capability', 'code-review/python', '--failure', '--latency-ms', '1200', '--cost', '0.5')
    expect(ok.code).toBe(0)
    expect(facade.reported).toEqual([{ org: 'acme', agent: 'rev', capability: 'code-review/python', success: false, latencyMs: 1200, costUsd: 0.5 }])
    const both = await atp('outcome', '--org', 'acme', '--agent', 'rev', '--capability', 'c', '--success', '--failure')
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('exactly one of --success or --failure')
    const missing = await atp('outcome', '--org', 'acme', '--success')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("required option '--agent <id>' not specified")
  })
})
