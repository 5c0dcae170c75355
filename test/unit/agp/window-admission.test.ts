import { describe, expect, it } from 'vitest'
import { Admission, type AdmissionEffect, type PathOffer, type TaskRequest } from '../../../agp/window/admission.ts'
import { BudgetLedger, DAY_MS } from '../../../agp/window/budgets.ts'
import { DEFAULT_WINDOW_PARAMS } from '../../../agp/window/params.ts'
import { RateWindow } from '../../../agp/window/rate-window.ts'

const busy: PathOffer = { org: 'busy', agent: 'rev', capability: 'code-review', costUsd: 0.1, p95Ms: 1000, tags: [] }
const spare: PathOffer = { org: 'spare', agent: 'rev', capability: 'code-review', costUsd: 0.2, p95Ms: 1000, tags: ['cheap'] }

let seq = 0
function task (paths: PathOffer[] = [busy, spare], capability = 'code-review/python'): TaskRequest {
  return { id: `t${seq++}`, consumerOrg: 'initech', capability, messageBytes: 400, paths }
}
const idOf = (e: AdmissionEffect | undefined): string => (e as { id: string }).id
const of = <K extends AdmissionEffect['type']>(effects: AdmissionEffect[], type: K): Extract<AdmissionEffect, { type: K }>[] =>
  effects.filter((e): e is Extract<AdmissionEffect, { type: K }> => e.type === type)

describe('Admission', () => {
  it('admits on the chosen path, spills to the next, then queues, then refuses over window', () => {
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, maxQueue: 1 } })
    const first = a.handle({ type: 'request', task: task() }, 0)
    expect(of(first, 'admit')[0]).toMatchObject({ path: busy, rank: 0, estimate: { tokens: 200, usd: 0.1 } })
    const second = a.handle({ type: 'request', task: task() }, 0)
    expect(of(second, 'admit')[0]).toMatchObject({ path: spare, rank: 1 })
    const third = a.handle({ type: 'request', task: task() }, 0)
    expect(third).toEqual([{ type: 'queue', id: expect.any(String), deadlineMs: 5000 }, { type: 'set-timer', atMs: 5000 }])
    const fourth = a.handle({ type: 'request', task: task() }, 0)
    expect(of(fourth, 'reject')[0]).toMatchObject({ reason: 'over-window', retryAfterMs: 1000 })
    // The first task ends well: its window grows and the queued task goes out on it.
    const settled = a.handle({ type: 'settle', id: of(first, 'admit')[0]!.id, outcome: { kind: 'success', latencyMs: 200, usage: { tokens: 150, usd: 0.05 } } }, 300)
    expect(of(settled, 'settled')[0]!.usage).toEqual({ tokens: 150, usd: 0.05 })
    expect(of(settled, 'admit')[0]).toMatchObject({ id: idOf(third[0]), path: busy, queuedMs: 300 })
    expect(a.window('initech', 'busy', 'rev', 300)).toMatchObject({ tasks: 2, inFlight: 1 })
  })

  it('refuses a queued task at its deadline', () => {
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, queueTimeoutMs: 100 } })
    a.handle({ type: 'request', task: task([busy]) }, 0)
    const q = a.handle({ type: 'request', task: task([busy]) }, 0)
    expect(q[0]!.type).toBe('queue')
    expect(a.handle({ type: 'timer' }, 50)).toEqual([{ type: 'set-timer', atMs: 100 }])
    expect(of(a.handle({ type: 'timer' }, 100), 'reject')[0]).toMatchObject({ id: idOf(q[0]), reason: 'over-window' })
    expect(a.queued).toBe(0)
  })

  it('cuts the window of a path that times out and marks it congested', () => {
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, initialTasks: 4 } })
    const ids = [0, 1, 2, 3].map(() => of(a.handle({ type: 'request', task: task([busy]) }, 0), 'admit')[0]!.id)
    a.handle({ type: 'settle', id: ids[0]!, outcome: { kind: 'timeout' } }, 30_000)
    expect(a.window('initech', 'busy', 'rev', 30_000)).toMatchObject({ tasks: 2, inFlight: 3, congested: true })
    expect(a.congested('initech', 'busy', 'rev', 30_000)).toBe(true)
    expect(a.congested('initech', 'spare', 'rev', 30_000)).toBe(false)
  })

  it('takes latency above the configured SLO as congestion, the advertised p95 without one', () => {
    const slo = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, initialTasks: 4, sloMs: 500 } })
    const id = of(slo.handle({ type: 'request', task: task([busy]) }, 0), 'admit')[0]!.id
    slo.handle({ type: 'settle', id, outcome: { kind: 'success', latencyMs: 800 } }, 800)
    expect(slo.window('initech', 'busy', 'rev', 800)!.tasks).toBe(2)
    const p95 = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, initialTasks: 4 } })
    const id2 = of(p95.handle({ type: 'request', task: task([busy]) }, 0), 'admit')[0]!.id
    p95.handle({ type: 'settle', id: id2, outcome: { kind: 'success', latencyMs: 800 } }, 800)
    // Under the target but above half of it: the window holds.
    expect(p95.window('initech', 'busy', 'rev', 800)!.tasks).toBe(4)
    const id3 = of(p95.handle({ type: 'request', task: task([busy]) }, 800), 'admit')[0]!.id
    p95.handle({ type: 'settle', id: id3, outcome: { kind: 'success', latencyMs: 400 } }, 1200)
    expect(p95.window('initech', 'busy', 'rev', 1200)!.tasks).toBe(5)
  })

  it('refuses over budget before the task leaves, and the spend survives a restart', () => {
    const budgets = [{ id: 'reviews', match: { capability: 'code-review' }, usdPerDay: 0.25 }]
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, initialTasks: 8 }, budgets })
    const t1 = of(a.handle({ type: 'request', task: task([busy]) }, 0), 'admit')[0]!
    expect(t1.budgets).toEqual(['reviews'])
    a.handle({ type: 'settle', id: t1.id, outcome: { kind: 'success', latencyMs: 10, usage: { tokens: 1, usd: 0.2 } } }, 10)
    const refused = a.handle({ type: 'request', task: task([busy]) }, 20)
    expect(refused).toEqual([{ type: 'reject', id: expect.any(String), reason: 'over-budget', budget: 'reviews', retryAfterMs: DAY_MS - 20 }])
    // A capability the budget does not match is not held back by it.
    expect(of(a.handle({ type: 'request', task: task([busy], 'translate') }, 20), 'admit')).toHaveLength(1)
    const restarted = new Admission({ params: DEFAULT_WINDOW_PARAMS, budgets, budgetRecords: a.budgets.records() })
    expect(restarted.handle({ type: 'request', task: task([busy]) }, 30)[0]).toMatchObject({ type: 'reject', reason: 'over-budget' })
    // The next UTC day starts from zero; the total keeps counting.
    expect(restarted.handle({ type: 'request', task: task([busy]) }, DAY_MS)[0]!.type).toBe('admit')
    expect(restarted.budgetView(DAY_MS)[0]).toMatchObject({ spentTodayUsd: 0, spentTotalUsd: 0.2, reservedUsd: 0.1 })
  })

  it('spills past a path a tag budget blocks, and bounds the dollar window by usdPerMinute', () => {
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, initialTasks: 8 }, budgets: [{ id: 'cheap-only', match: { agentTags: ['cheap'] }, usdPerMinute: 0.3 }] })
    const e1 = of(a.handle({ type: 'request', task: task([spare, busy]) }, 0), 'admit')[0]!
    expect(e1.path).toBe(spare)
    expect(a.window('initech', 'spare', 'rev', 0)!.usdPerMinute).toBe(0.3)
    expect(of(a.handle({ type: 'request', task: task([spare, busy]) }, 0), 'admit')[0]!.path).toBe(busy)
  })

  it('cancel releases the window and the budget reservation without a signal', () => {
    const a = new Admission({ params: DEFAULT_WINDOW_PARAMS, budgets: [{ id: 'all', match: {}, usdPerDay: 1 }] })
    const t = of(a.handle({ type: 'request', task: task([busy]) }, 0), 'admit')[0]!
    expect(a.handle({ type: 'cancel', id: t.id }, 5)).toEqual([])
    expect(a.window('initech', 'busy', 'rev', 5)).toMatchObject({ tasks: 1, inFlight: 0 })
    expect(a.budgetView(5)[0]).toMatchObject({ reservedUsd: 0, spentTotalUsd: 0 })
  })

  it('keeps at most maxPaths windows, forgetting an idle one', () => {
    const a = new Admission({ params: { ...DEFAULT_WINDOW_PARAMS, maxPaths: 2 } })
    for (const org of ['a', 'b', 'c']) {
      const t = of(a.handle({ type: 'request', task: task([{ ...busy, org }]) }, 0), 'admit')[0]!
      a.handle({ type: 'settle', id: t.id, outcome: { kind: 'success', latencyMs: 1 } }, 1)
    }
    expect(a.windowsView(1).map((w) => w.key)).toEqual(['initech b/rev', 'initech c/rev'])
  })
})

describe('RateWindow', () => {
  it('reserves, settles, and frees room as usage leaves the minute', () => {
    const r = new RateWindow(10)
    expect(r.hasRoom(100, 0)).toBe(true) // a lone task always fits
    r.reserve(6)
    expect(r.hasRoom(5, 0)).toBe(false)
    r.settle(6, 4, 1000)
    expect(r.hasRoom(6, 1000)).toBe(true)
    r.reserve(6)
    expect(r.hasRoom(1, 2000)).toBe(false)
    r.settle(6, 0, 2000)
    expect(r.inUse(60_999)).toBe(4)
    expect(r.inUse(61_000)).toBe(0)
  })

  it('cuts the limit from what is in use and grows it by one task, up to the ceiling', () => {
    const r = new RateWindow(30)
    r.reserve(10); r.settle(10, 10, 0)
    r.reserve(10); r.settle(10, 10, 0)
    r.shrink(0.5, 0)
    expect(r.limit).toBe(10)
    r.grow()
    expect(r.limit).toBe(20)
    r.setCeiling(15)
    expect(r.limit).toBe(15)
    r.grow()
    expect(r.limit).toBe(15)
    // Without a ceiling the task window alone answers congestion.
    const open = new RateWindow(Infinity)
    open.reserve(10); open.settle(10, 10, 0)
    open.shrink(0.5, 0)
    expect(open.limit).toBe(Infinity)
  })
})

describe('BudgetLedger', () => {
  it('ignores corrupt persisted records and matches capability by segment', () => {
    const l = new BudgetLedger([{ id: 'b', match: { capability: 'code' }, usdPerDay: 1 }], [{ id: 'b', day: 0, spentTodayUsd: Number.NaN, spentTotalUsd: -5 }])
    expect(l.view(0)[0]).toMatchObject({ spentTodayUsd: 0, spentTotalUsd: 0 })
    expect(l.matching({ capability: 'code/python', agentTags: [] })).toEqual(['b'])
    expect(l.matching({ capability: 'codegen', agentTags: [] })).toEqual([])
  })
})

describe('OriginLimiter', () => {
  it('shares each limit fairly between active consumer orgs', async () => {
    const { OriginLimiter } = await import('../../../agp/window/origin-limits.ts')
    const o = new OriginLimiter({ maxInFlight: 4, usdPerMinute: 1 })
    const u = { tokens: 0, usd: 0.1 }
    for (let i = 0; i < 4; i++) expect(o.acquire('a', u, 0).ok).toBe(true)
    expect(o.acquire('a', u, 0)).toEqual({ ok: false, dimension: 'maxInFlight', retryAfterMs: 1000 })
    // b arrives: a's tasks drain, and a may no longer take b's half.
    expect(o.acquire('b', u, 0).ok).toBe(false)
    o.release('a', u, u, 10); o.release('a', u, u, 10)
    expect(o.acquire('a', u, 20).ok).toBe(false)
    expect(o.acquire('b', u, 20).ok).toBe(true)
    expect(o.acquire('b', u, 20).ok).toBe(true)
    expect(o.inFlight('a')).toBe(2)
    expect(o.inFlight('b')).toBe(2)
    const dollars = new OriginLimiter({ usdPerMinute: 1 })
    expect(dollars.acquire('a', { tokens: 0, usd: 0.6 }, 0).ok).toBe(true)
    dollars.release('a', { tokens: 0, usd: 0.6 }, { tokens: 0, usd: 0.6 }, 1000)
    // b may use its half; a's settled 0.6 still counts for the minute.
    expect(dollars.acquire('b', { tokens: 0, usd: 0.5 }, 2000)).toEqual({ ok: false, dimension: 'usdPerMinute', retryAfterMs: 59_000 })
    expect(dollars.acquire('b', { tokens: 0, usd: 0.4 }, 2000).ok).toBe(true)
  })
})
