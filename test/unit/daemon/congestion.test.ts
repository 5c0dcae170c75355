import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { PathOffer } from '../../../agp/window/admission.ts'
import { DEFAULT_WINDOW_PARAMS } from '../../../agp/window/params.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { parseConfig } from '../../../daemon/config/load.ts'
import { decodeBudgetRecord, encodeBudgetRecord } from '../../../daemon/congestion/budget-store.ts'
import type { CongestionControl } from '../../../daemon/congestion/congestion-control.ts'
import { openCongestion } from '../../../daemon/congestion/open-congestion.ts'
import { NodeStore } from '../../../daemon/store/index.ts'
import { createFakeFacade, fakeRouteView } from '../../helpers/fake-daemon-facade.ts'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-congestion-'))
  dirs.push(d)
  return d
}

const busy: PathOffer = { org: 'busy', agent: 'rev', capability: 'code-review', costUsd: 0.4, p95Ms: 1000, tags: [] }
const spare: PathOffer = { org: 'spare', agent: 'rev', capability: 'code-review', costUsd: 0.5, p95Ms: 1000, tags: [] }
const SITE = `org: initech
role: peer
dataDir: /tmp/x
windows: { initialTasks: 1, slowStartThreshold: 16, decrease: 0.5, sloMs: 2000, queueTimeoutMs: 60 }
budgets:
  - { id: reviews, match: { capability: code-review }, usdPerDay: 1 }
agents:
  - { id: rev, capability: code-review, endpoint: 'http://127.0.0.1:9001', costUsd: 0.1, latencyMs: { p50: 1, p95: 2 },
      limits: { maxInFlight: 2 } }
`

async function open (dir: string, nowMs: { v: number }): Promise<{ control: CongestionControl, store: NodeStore, registry: Registry }> {
  const store = await NodeStore.open(dir)
  const registry = new Registry()
  const control = await openCongestion({ config: parseConfig(SITE, 'site.yaml'), store, clock: { nowMs: () => nowMs.v }, registry, log: pino({ level: 'silent' }) })
  return { control, store, registry }
}

describe('config', () => {
  it('reads windows, budgets and agents[].limits with their defaults', () => {
    const c = parseConfig(SITE, 'site.yaml')
    expect(c.windows).toEqual({ ...DEFAULT_WINDOW_PARAMS, sloMs: 2000, queueTimeoutMs: 60 })
    expect(c.budgets).toEqual([{ id: 'reviews', match: { capability: 'code-review' }, usdPerDay: 1 }])
    expect(c.agents[0]?.limits).toEqual({ maxInFlight: 2 })
    expect(parseConfig('org: a\nrole: peer\ndataDir: /d\n', 's').windows).toEqual(DEFAULT_WINDOW_PARAMS)
  })

  it('names each bad field', () => {
    expect(() => parseConfig(SITE.replace('decrease: 0.5', 'decrease: 1.5'), 'site.yaml')).toThrow(/windows.decrease: must be in \(0, 1\)/)
    expect(() => parseConfig(SITE.replace('usdPerDay: 1', 'usdPerDy: 1'), 'site.yaml')).toThrow(/budgets\[0\]/)
    expect(() => parseConfig(SITE.replace('maxInFlight: 2', 'maxInFlight: 0'), 'site.yaml')).toThrow(/agents\[0\].limits.maxInFlight/)
  })
})

describe('CongestionControl in the daemon', () => {
  it('keeps budget spend across a restart and refuses over budget before the task leaves', async () => {
    const dir = tempDir()
    const now = { v: Date.UTC(2026, 11, 7, 10) }
    const a = await open(dir, now)
    for (let i = 0; i < 2; i++) {
      const r = await a.control.admit({ capability: 'code-review/python', messageBytes: 100, paths: [busy] })
      expect(r.ok).toBe(true)
      if (r.ok) a.control.settle(r.ticket, { kind: 'success', latencyMs: 100, usage: { tokens: 10, usd: 0.4 } })
    }
    expect(await a.control.admit({ capability: 'code-review/python', messageBytes: 100, paths: [busy] })).toMatchObject({ ok: false, reason: 'over-budget', budget: 'reviews' })
    await a.control.stop()
    await a.store.close()

    const b = await open(dir, now)
    expect(b.control.budgets()[0]).toMatchObject({ id: 'reviews', spentTodayUsd: 0.8, spentTotalUsd: 0.8 })
    expect(await b.control.admit({ capability: 'code-review', messageBytes: 100, paths: [busy] })).toMatchObject({ ok: false, reason: 'over-budget' })
    const metrics = await b.registry.metrics()
    expect(metrics).toContain('atpd_budget_spent_usd_total{budget="reviews"} 0.8')
    expect(metrics).toContain('atpd_tasks_rejected_total{reason="over-budget"} 1')
    expect(metrics).toContain('atpd_tasks_rejected_total{reason="origin-limit"} 0')
    await b.control.stop()
    await b.store.close()
  })

  it('spills to the next path, queues, admits from the queue when a task settles, and refuses at the deadline', async () => {
    const now = { v: 1000 }
    const { control, store, registry } = await open(tempDir(), now)
    const first = await control.admit({ capability: 'translate', messageBytes: 100, paths: [busy, spare] })
    expect(first).toMatchObject({ ok: true, rank: 0 })
    expect(await control.admit({ capability: 'translate', messageBytes: 100, paths: [busy, spare] })).toMatchObject({ ok: true, rank: 1 })
    const queued = control.admit({ capability: 'translate', messageBytes: 100, paths: [busy, spare] })
    now.v = 1040
    if (first.ok) control.settle(first.ticket, { kind: 'success', latencyMs: 40 })
    expect(await queued).toMatchObject({ ok: true, path: busy, queuedMs: 40 })
    expect(control.windowOf('busy', 'rev')).toEqual({ tasks: 2, inFlight: 1, tokensPerMinute: null, usdPerMinute: null, congested: false })
    // Both windows are full now: a new task waits, then is refused at its deadline (60 ms).
    const late = control.admit({ capability: 'translate', messageBytes: 100, paths: [spare] })
    now.v = 1200
    expect(await late).toMatchObject({ ok: false, reason: 'over-window' })
    expect(await registry.metrics()).toContain('atpd_window_tasks{capability="code-review",org="busy",agent="rev"} 2')
    await control.stop()
    await store.close()
  })

  it('admitNow refuses at once instead of queueing', async () => {
    const { control, store } = await open(tempDir(), { v: 0 })
    const a = control.admitNow('translate', 10, busy)
    expect(a).toMatchObject({ ok: true, path: busy, rank: 0 })
    expect(control.admitNow('translate', 10, busy)).toMatchObject({ ok: false, reason: 'over-window' })
    if (a.ok) control.settle(a.ticket, { kind: 'timeout' })
    expect(control.windowOf('busy', 'rev')).toMatchObject({ tasks: 1, inFlight: 0, congested: true })
    expect(control.congestedPaths()).toEqual(new Set(['busy/rev']))
    await control.stop()
    await store.close()
  })

  it('enforces agents[].limits at the origin per consumer org', async () => {
    const { control, store } = await open(tempDir(), { v: 0 })
    const u = { tokens: 0, usd: 0 }
    expect(control.originAcquire('rev', 'a', u).ok).toBe(true)
    expect(control.originAcquire('rev', 'a', u).ok).toBe(true)
    expect(control.originAcquire('rev', 'b', u)).toMatchObject({ ok: false, dimension: 'maxInFlight' })
    expect(control.originAcquire('other', 'b', u).ok).toBe(true)
    expect(control.rejected['origin-limit']).toBe(1)
    await control.stop()
    await store.close()
  })

  it('refuses a corrupt stored record', () => {
    expect(decodeBudgetRecord(new TextEncoder().encode('{"id":"x","day":1,"spentTodayUsd":-1,"spentTotalUsd":0}')).ok).toBe(false)
    expect(decodeBudgetRecord(new TextEncoder().encode('nope')).ok).toBe(false)
    const r = { id: 'x', day: 3, spentTodayUsd: 1.5, spentTotalUsd: 2 }
    expect(decodeBudgetRecord(encodeBudgetRecord(r))).toEqual({ ok: true, value: r })
  })
})

describe('API', () => {
  it('route JSON shows the window where the daemon forwarded; /v1/budgets lists spend', async () => {
    const facade = Object.assign(createFakeFacade(), {
      window: (org: string) => org === 'acme' ? { tasks: 4, inFlight: 1, tokensPerMinute: null, usdPerMinute: 2.5, congested: true } : undefined,
      budgets: () => [{ id: 'reviews', day: 1, spentTodayUsd: 0.8, spentTotalUsd: 3, usdPerDay: 1, usdPerMinute: null, spentLastMinuteUsd: 0.4, reservedUsd: 0 }]
    })
    facade.routeViews = [fakeRouteView(), fakeRouteView({ org: 'globex', best: false })]
    const app = await createApiServer({ facade })
    const routes = (await app.inject({ method: 'GET', url: '/v1/routes' })).json().routes
    expect(routes[0].window).toEqual({ tasks: 4, inFlight: 1, tokensPerMinute: null, usdPerMinute: 2.5, congested: true })
    expect(routes[1].window).toBeUndefined()
    // Fields the response schema does not list still pass through.
    expect(routes[1]).toMatchObject({ org: 'globex', costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, best: false })
    const budgets = (await app.inject({ method: 'GET', url: '/v1/budgets' })).json()
    expect(budgets).toEqual({ budgets: [{ id: 'reviews', usdPerDay: 1, usdPerMinute: null, spentTodayUsd: 0.8, spentLastMinuteUsd: 0.4, spentTotalUsd: 3, reservedUsd: 0 }] })
    const lg = (await app.inject({ method: 'GET', url: '/' })).body
    expect(lg).toContain('Congestion windows')
    await app.close()
  })
})

describe('CongestionAdmission (the data plane seam)', () => {
  it('admits path by path, moves the window with each settlement, and refuses over window', async () => {
    const { CongestionAdmission } = await import('../../../daemon/congestion/task-admission.ts')
    const now = { v: 0 }
    const { control, store } = await open(tempDir(), now)
    const seam = new CongestionAdmission(control, () => ({ p95Ms: 1000, tags: [] }))
    const path = { capability: 'translate', originOrg: 'busy', agentId: 'rev', costUsd: 0.1 }
    expect(seam.admit(path, 0, 400)).toBe(true)
    expect(seam.admit(path, 0, 400)).toEqual({ reason: 'over-window', retryAfterMs: 2000, text: 'over window on busy/rev, retry after 2 s' })
    seam.settle(path, { outcome: 'success', accepted: true, latencyMs: 100, costUsd: 0.1 }, 100)
    expect(control.windowOf('busy', 'rev')).toMatchObject({ tasks: 2, inFlight: 0 })
    expect(seam.admit(path, 100, 400)).toBe(true)
    expect(seam.admit(path, 100, 400)).toBe(true)
    seam.settle(path, { outcome: 'overloaded', accepted: false, latencyMs: 5, costUsd: 0 }, 105)
    expect(control.windowOf('busy', 'rev')).toMatchObject({ tasks: 1, inFlight: 1, congested: true })
    // A refusal before any agent saw the task releases the slot without a signal.
    seam.settle(path, { outcome: 'refused', accepted: false, latencyMs: 5, costUsd: 0 }, 106)
    expect(control.windowOf('busy', 'rev')).toMatchObject({ tasks: 1, inFlight: 0 })
    await control.stop()
    await store.close()
  })

  it('when every window is full, a task waits in the bounded queue for the first path that frees up, or until its deadline', async () => {
    const { CongestionAdmission } = await import('../../../daemon/congestion/task-admission.ts')
    const now = { v: 0 }
    const { control, store } = await open(tempDir(), now)
    const seam = new CongestionAdmission(control, () => ({ p95Ms: 1000, tags: [] }))
    const busyPath = { capability: 'translate', originOrg: 'busy', agentId: 'rev', costUsd: 0.1 }
    const sparePath = { capability: 'translate', originOrg: 'spare', agentId: 'rev', costUsd: 0.1 }
    expect(seam.admit(busyPath, 0, 400)).toBe(true)
    expect(seam.admit(sparePath, 0, 400)).toBe(true)
    expect(seam.admit(sparePath, 0, 400)).toMatchObject({ reason: 'over-window' })
    // Both windows are full: the task queues and gets the first slot released (spare's).
    const waiting = seam.waitForRoom([busyPath, sparePath], 0, 400)
    now.v = 10
    seam.settle(sparePath, { outcome: 'success', accepted: true, latencyMs: 10, costUsd: 0.1 }, 10)
    expect(await waiting).toEqual(sparePath)
    expect(control.windowOf('spare', 'rev')).toMatchObject({ inFlight: 1 })
    // Fill what the success opened (slow start grew spare's window), then nothing frees up:
    // the queue's deadline (queueTimeoutMs, 60 ms in this config) refuses the task.
    while (seam.admit(sparePath, 10, 400) === true) { /* fill */ }
    const pending = seam.waitForRoom([busyPath, sparePath], 10, 400)
    now.v = 1000
    const refused = await pending
    expect(refused).toMatchObject({ reason: 'over-window' })
    await control.stop()
    await store.close()
  })
})
