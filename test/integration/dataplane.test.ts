// The A2A data plane over real daemons and real SDK agents on 127.0.0.1: a task from
// the consumer initech reaches a vendor's agent through two reflectors (initech → rr1
// → rr2 → vendor), streamed; a failed agent's answer is not retried; failover when the
// best vendor's agent dies; measured latency of a slowed agent reaches initech's
// /v1/routes (its effect on a third org's ranking: dataplane-failures.test.ts).
import { randomUUID } from 'node:crypto'
import { type StreamResponse, TaskState } from '@a2a-js/sdk'
import { isLegacyAgentCard, LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answerText, userMessage } from '../../daemon/a2a/a2a-text.ts'
import { startEchoAgent, type EchoAgent } from '../../daemon/a2a/echo-agent.ts'
import { a2aSend, a2aStream, servedBy } from '../helpers/a2a-client.ts'
import { runAtp } from '../helpers/cli-io.ts'
import { FEDERATION_HOOK_TIMEOUT_MS, LONG_TEST_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { RouteJson } from '../../daemon/launcher/federation-api.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'
import { AtpApiClient } from '../../daemon/api/client.ts'

const CAP = 'code-review/python'

describe('data plane: A2A tasks through the federation', () => {
  let fed: Federation
  let acme: EchoAgent
  let globex: EchoAgent

  beforeAll(async () => {
    acme = await startEchoAgent({ name: 'acme-reviewer', skills: [{ id: 'review', tags: [CAP] }], costUsd: 0.1 })
    globex = await startEchoAgent({ name: 'globex-reviewer', skills: [{ id: 'review', tags: [CAP] }], costUsd: 0.3 })
    fed = await startFederation({
      sites: {
        rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { rr2: 'peer', initech: 'client' } },
        rr2: { role: 'reflector', org: 'fed-ops', cluster: 'c2', neighbors: { rr1: 'peer', acme: 'client', globex: 'client' } },
        acme: {
          role: 'peer', org: 'acme', neighbors: { rr2: 'reflector' },
          extra: { agents: [{ id: 'reviewer', a2a: { card: acme.url, probeS: 1 }, costUsd: 0.1, region: 'eu' }] }
        },
        globex: {
          role: 'peer', org: 'globex', neighbors: { rr2: 'reflector' },
          extra: { agents: [{ id: 'reviewer', a2a: { card: globex.url, probeS: 1 }, costUsd: 0.3, region: 'eu', latencyMs: { p50: 400, p95: 800 }, winRate: { wins: 40, trials: 50 } }] }
        },
        initech: { role: 'peer', org: 'initech', neighbors: { rr1: 'reflector' } }
      }
    })
    await Promise.all(['rr1', 'rr2', 'acme', 'globex', 'initech'].map(async (s) => await fed.waitEstablished(s)))
    await fed.waitForRoutes('initech', (rs) => rs.filter((r) => r.capability === CAP).length === 2, { what: 'both vendors at initech' })
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => {
    await fed?.stop()
    await Promise.all([acme?.stop(), globex?.stop()])
  })

  it('routes from cards say whether their figures are measured', async () => {
    const routes = await fed.routes('initech', CAP)
    expect(routes.map((r) => `${r.org}:${String(r.measured)}:${r.path.join(',')}`).sort()).toEqual(['acme:true:acme', 'globex:false:globex'])
  })

  it('sends a task through two reflectors to the best vendor and streams its events back', async () => {
    const best = (await fed.resolve('initech', CAP)).candidates[0]
    const result = await a2aSend(fed.site('initech').apiUrl, CAP, 'def f(): pass')
    expect(answerText(result)).toBe('reviewed: def f(): pass')
    expect(servedBy(result)).toBe(`${best?.org ?? '?'}/reviewer`)
    const events = await a2aStream(fed.site('initech').apiUrl, CAP, 'x = 1')
    expect(events.map((e) => e.payload?.$case)).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate'])
    const last = events.at(-1)?.payload
    expect(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined).toBe(TaskState.TASK_STATE_COMPLETED)
    // Every hop counted it.
    for (const [site, role] of [['initech', 'consumer'], ['rr1', 'transit'], ['rr2', 'transit'], [best?.org ?? 'acme', 'origin']] as const) {
      const text = await new AtpApiClient({ baseUrl: fed.site(site).apiUrl }).metrics()
      expect(text).toMatch(new RegExp(`atpd_tasks_total\\{role="${role}",outcome="success"\\} [1-9]`))
    }
  })

  it('atp send prints the answer and who served it, streamed or not', async () => {
    const api = fed.site('initech').apiUrl
    const plain = await runAtp(['--api', api, 'send', CAP, 'print(1)'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^reviewed: print\(1\)\nserved by (acme|globex)\/reviewer \(completed\)\n$/)
    const streamed = await runAtp(['--api', api, 'send', CAP, 'print(2)', '--stream', '--max-cost', '0.2'])
    expect(streamed.stdout).toContain('status completed\nreviewed: print(2)\nserved by acme/reviewer (completed)')
    const json = await runAtp(['--api', api, '--json', 'send', CAP, 'print(3)'])
    expect(JSON.parse(json.stdout)).toMatchObject({ status: { state: TaskState.TASK_STATE_COMPLETED } })
    const none = await runAtp(['--api', api, 'send', CAP, 'print(4)', '--max-cost', '0.01'])
    expect(none.code).toBe(1)
    expect(none.stdout).toContain('served by (nobody) (failed)')
  }, LONG_TEST_TIMEOUT_MS)

  it('honours constraints from the A2A metadata', async () => {
    const result = await a2aSend(fed.site('initech').apiUrl, CAP, 'cheap please', { maxCostUsd: 0.05 })
    expect('status' in result ? result.status?.state : undefined).toBe(TaskState.TASK_STATE_FAILED)
    expect(answerText(result)).toMatch(/NoRoute.*no usable route/)
  })

  it('serves A2A v0.3 clients through the SDK\'s compatibility layer', async () => {
    const endpoint = `${fed.site('initech').apiUrl}/a2a/${CAP}`
    // A superset card: the v0.3 fields beside v1.0's supportedInterfaces (which v1.0 clients read).
    const card = await (await fetch(`${endpoint}/.well-known/agent-card.json`)).json() as Record<string, unknown>
    expect(card).toMatchObject({ url: endpoint, preferredTransport: 'JSONRPC', protocolVersion: '0.3.0' })
    expect(isLegacyAgentCard(card)).toBe(false)
    // The v0.3 wire format, by hand: kind-tagged parts, string states.
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'message/send', params: { message: { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'old client' }] } } })
    })
    const body = await res.json() as { id: number, result: { kind: string, id: string, status: { state: string }, artifacts: { parts: unknown[] }[] } }
    expect(body).toMatchObject({ id: 7, result: { kind: 'task', status: { state: 'completed' } } })
    expect(body.result.artifacts[0]?.parts[0]).toMatchObject({ kind: 'text', text: 'reviewed: old client' })
    // The SDK's own v0.3 transport: streaming (message/stream) and tasks/get.
    const legacy = new LegacyJsonRpcTransport({ endpoint })
    const events: StreamResponse[] = []
    for await (const e of legacy.sendMessageStream({ tenant: '', message: userMessage('old stream'), configuration: undefined, metadata: undefined })) events.push(e)
    const last = events.at(-1)?.payload
    expect(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined).toBe(TaskState.TASK_STATE_COMPLETED)
    const got = await legacy.getTask({ tenant: '', id: body.result.id })
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(answerText(got)).toBe('reviewed: old client')
  })

  it('measured latency of a slowed agent reaches the consumer\'s routes', async () => {
    // Only acme serves under this cost bound: every task measures it.
    const cheap = { maxCostUsd: 0.2 }
    await a2aSend(fed.site('initech').apiUrl, CAP, 'fast', cheap)
    const fast = await fed.waitForRoute('initech', (r: RouteJson) => r.org === 'acme' && r.winRate.trials > 0, { what: 'acme\'s first measurement at initech' })
    acme.latencyMs = 1000
    for (let i = 0; i < 3; i++) await a2aSend(fed.site('initech').apiUrl, CAP, `slow ${i}`, cheap)
    // p95: the window also holds the fast tasks of the tests before, so its median may
    // stay fast; under 20 samples its p95 is the slowest task.
    const slow = await fed.waitForRoute('initech', (r: RouteJson) => r.org === 'acme' && r.latencyMs.p95 >= 900, { what: 'acme\'s measured latency at initech' })
    expect(slow.measured).toBe(true)
    expect(fast.measured).toBe(true)
  }, LONG_TEST_TIMEOUT_MS)

  it('an agent that accepted and failed is the answer, not retried elsewhere', async () => {
    acme.latencyMs = 0
    const [first, second] = (await fed.resolve('initech', CAP)).candidates.map((c) => c.org)
    const agents: Record<string, EchoAgent> = { acme, globex }
    const failing = agents[first ?? ''] as EchoAgent
    const other = agents[second ?? ''] as EchoAgent
    const before = { failing: failing.served, other: other.served }
    failing.failureRate = 1
    try {
      const result = await a2aSend(fed.site('initech').apiUrl, CAP, 'fail me')
      expect('status' in result ? result.status?.state : undefined).toBe(TaskState.TASK_STATE_FAILED)
      expect(servedBy(result)).toBe(`${first ?? '?'}/reviewer`)
    } finally {
      failing.failureRate = 0
    }
    expect({ failing: failing.served - before.failing, other: other.served - before.other }).toEqual({ failing: 1, other: 0 })
  })

  it('fails over to the next vendor when the best one\'s agent is gone, before it accepted', async () => {
    const [first, second] = (await fed.resolve('initech', CAP)).candidates.map((c) => c.org)
    const agents: Record<string, EchoAgent> = { acme, globex }
    const dead = agents[first ?? ''] as EchoAgent
    const next = agents[second ?? ''] as EchoAgent
    const metric = async (site: string, line: string): Promise<number> => {
      const found = (await new AtpApiClient({ baseUrl: fed.site(site).apiUrl }).metrics()).split('\n').find((l) => l.startsWith(`${line} `))
      return found === undefined ? 0 : Number(found.split(' ')[1])
    }
    const unreachable = async (): Promise<number[]> => await Promise.all([
      metric(first ?? '', 'atpd_tasks_total{role="origin",outcome="unreachable"}'),
      metric('initech', 'atpd_tasks_total{role="consumer",outcome="unreachable"}')
    ])
    const before = { unreachable: await unreachable(), next: next.served }
    await dead.stop()
    const result = await a2aSend(fed.site('initech').apiUrl, CAP, 'anyone?')
    expect(servedBy(result)).toBe(`${second ?? '?'}/reviewer`)
    expect(answerText(result)).toBe('reviewed: anyone?')
    // The dead vendor was tried first (its daemon could not reach its agent), then the next, once.
    expect((await unreachable()).map((n, i) => n - (before.unreachable[i] ?? 0))).toEqual([1, 1])
    expect(next.served - before.next).toBe(1)
    // Its card no longer answers: after two failed probes its route is withdrawn.
    await waitFor(async () => (await fed.routes('initech', CAP)).every((r) => r.org !== first) ? true : undefined, { timeoutMs: 20_000, what: `${first ?? '?'} withdrawn at initech` })
  }, LONG_TEST_TIMEOUT_MS)
})
