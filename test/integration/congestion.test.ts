// Congestion windows and budgets in real forwarding: real daemons on 127.0.0.1 and real
// SDK A2A agents. initech (consumer) is a partner of two vendors, acme (cheaper, faster:
// ranked first whatever its measured latency on a loaded machine) and globex (declared
// slow and dear). A slowed acme agent answers above windows.sloMs: initech's window
// on acme shrinks, the path ranks below globex, and the traffic moves there. A budget
// on a second capability stops spend at its limit, and still does after initech restarts.
import { type Task, TaskState } from '@a2a-js/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEchoAgent, type EchoAgent } from '../../daemon/a2a/echo-agent.ts'
import { a2aSend, servedBy } from '../helpers/a2a-client.ts'
import { FEDERATION_HOOK_TIMEOUT_MS, LONG_TEST_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import { AtpApiClient } from '../../daemon/api/client.ts'

const CAP = 'code-review/python'
const PAID = 'translate/fr'
// Far above a forwarded task's latency on a loaded 2-core machine (p50 ~60 ms at load 25), so only the slowed agent is "slow".
const SLO_MS = 1000

interface BudgetJson { readonly id: string, readonly spentTodayUsd: number, readonly usdPerDay?: number }

describe('congestion windows and budgets in forwarding', () => {
  let fed: Federation
  let acme: EchoAgent
  let globex: EchoAgent
  let translator: EchoAgent

  beforeAll(async () => {
    acme = await startEchoAgent({ name: 'acme-reviewer', skills: [{ id: 'review', tags: [CAP] }], costUsd: 0.01 })
    globex = await startEchoAgent({ name: 'globex-reviewer', skills: [{ id: 'review', tags: [CAP] }], costUsd: 0.5 })
    translator = await startEchoAgent({ name: 'acme-translator', skills: [{ id: 'translate', tags: [PAID] }], costUsd: 0.1 })
    fed = await startFederation({
      sites: {
        initech: {
          role: 'peer', org: 'initech', neighbors: { acme: 'partner', globex: 'partner' },
          extra: {
            windows: { initialTasks: 1, slowStartThreshold: 16, decrease: 0.5, sloMs: SLO_MS },
            budgets: [{ id: 'translations', match: { capability: PAID }, usdPerDay: 0.25 }]
          }
        },
        acme: {
          role: 'peer', org: 'acme', neighbors: { initech: 'partner' },
          extra: {
            agents: [
              { id: 'reviewer', a2a: { card: acme.url, probeS: 1 }, costUsd: 0.01 },
              { id: 'translator', a2a: { card: translator.url, probeS: 1 }, costUsd: 0.1 }
            ]
          }
        },
        globex: {
          role: 'peer', org: 'globex', neighbors: { initech: 'partner' },
          extra: { agents: [{ id: 'reviewer', a2a: { card: globex.url, probeS: 1 }, costUsd: 0.5, latencyMs: { p50: 2000, p95: 4000 }, winRate: { wins: 5, trials: 50 } }] }
        }
      }
    })
    await Promise.all(['acme', 'globex', 'initech'].map(async (s) => await fed.waitEstablished(s)))
    await fed.waitForRoutes('initech', (rs) => rs.filter((r) => r.capability === CAP).length === 2 && rs.some((r) => r.capability === PAID), { what: 'both vendors at initech' })
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => {
    await fed?.stop()
    await Promise.all([acme?.stop(), globex?.stop(), translator?.stop()])
  })

  // The client may hold its answer a moment before the consumer daemon settles the task
  // (the agent's final event and the hop's end frame travel separately): read the window
  // once nothing is in flight on it, so the read follows every settlement.
  const acmeWindow = async (): Promise<number | undefined> => {
    for (const untilMs = Date.now() + 5000; ;) {
      const w = (await fed.routes('initech', CAP)).find((r) => r.org === 'acme')?.window
      if (w === undefined || w.inFlight === 0 || Date.now() > untilMs) return w?.tasks
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('a slowed agent shrinks the consumer\'s window on it and the traffic moves to the next vendor', async () => {
    const api = fed.site('initech').apiUrl
    for (let i = 0; i < 3; i++) expect(servedBy(await a2aSend(api, CAP, `fast ${i}`))).toBe('acme/reviewer')
    // Slow start: one more task per fast success (a cold first call may not count as fast).
    const grown = await acmeWindow() ?? 0
    expect(grown).toBeGreaterThanOrEqual(3)

    acme.latencyMs = 2 * SLO_MS
    expect(servedBy(await a2aSend(api, CAP, 'slow'))).toBe('acme/reviewer')
    const cut = await acmeWindow() ?? 0
    expect(cut).toBe(Math.max(1, Math.floor(grown / 2)))
    const metricsAtCut = await new AtpApiClient({ baseUrl: api }).metrics()
    expect(metricsAtCut).toContain(`atpd_window_tasks{capability="code-review/python",org="acme",agent="reviewer"} ${cut}`)
    // A congested path ranks below the others while its window is cut (a hold of a few
    // seconds after each congestion signal); the slow agent keeps earning new cuts, so
    // most of the traffic now goes to the next vendor.
    const served: string[] = []
    for (const untilMs = Date.now() + 6000; Date.now() < untilMs;) served.push(servedBy(await a2aSend(api, CAP, 'after')))
    expect(served[0]).toBe('globex/reviewer')
    const onGlobex = served.filter((s) => s === 'globex/reviewer').length
    expect(onGlobex, served.join(' ')).toBeGreaterThan(served.length - onGlobex)
    expect(await acmeWindow()).toBeLessThanOrEqual(cut)
  }, LONG_TEST_TIMEOUT_MS)

  it('a budget refuses the task that would exceed it, before it leaves, also after a restart', async () => {
    const api = (): string => fed.site('initech').apiUrl
    expect(servedBy(await a2aSend(api(), PAID, 'bonjour'))).toBe('acme/translator')
    const second = await a2aSend(api(), PAID, 'salut')
    expect(servedBy(second), JSON.stringify(second.metadata)).toBe('acme/translator')
    const refusal = async (): Promise<void> => {
      const before = translator.served
      const result = await a2aSend(api(), PAID, 'encore') as Task
      expect(result.status?.state).toBe(TaskState.TASK_STATE_FAILED)
      expect(result.metadata?.atpError).toMatchObject({ code: 'OverBudget', org: 'initech' })
      expect(translator.served).toBe(before)
    }
    await refusal()
    const spent = async (): Promise<number | undefined> =>
      (await fed.api<{ budgets: BudgetJson[] }>('initech', '/v1/budgets')).budgets.find((b) => b.id === 'translations')?.spentTodayUsd
    expect(await spent()).toBeCloseTo(0.2, 6)

    await fed.reconfigure('initech', {})
    await fed.waitEstablished('initech')
    await fed.waitForRoutes('initech', (rs) => rs.some((r) => r.capability === PAID), { what: 'the translator at initech again' })
    expect(await spent()).toBeCloseTo(0.2, 6)
    await refusal()
    const metrics = await new AtpApiClient({ baseUrl: api() }).metrics()
    expect(metrics).toMatch(/atpd_tasks_rejected_total\{reason="over-budget"\} [1-9]/)
  }, LONG_TEST_TIMEOUT_MS)
})
