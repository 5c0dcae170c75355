/**
 * Admission of tasks at a consumer daemon, as a machine: `handle(input, nowMs) →
 * AdmissionEffect[]`, the shape of the Speaker, so the daemon and the simulator drive
 * the same code. A task names its candidate paths in ranking order; it goes to the
 * first path whose window has room in every dimension and whose budgets can pay for
 * it (the later ones are spill-over, as ECMP spreads over equal paths), else it waits
 * in a bounded queue until room appears or its deadline passes, else it is refused:
 * `over-budget` when only budgets stood in the way (waiting would not help the day's
 * budget), `over-window` otherwise, with a retry-after.
 */
import { BudgetLedger, DAY_MS, type BudgetExceeded, type BudgetRecord, type BudgetSpec, type BudgetView } from './budgets.ts'
import { MINUTE_MS } from './minute-usage.ts'
import { defaultEstimator, type UsageEstimator } from './estimator.ts'
import type { WindowParams } from './params.ts'
import { PathWindow, type PathWindowView } from './path-window.ts'
import type { TaskOutcome, Usage } from './signals.ts'

/** One candidate path of a task, as the consumer's ranking gives it. */
export interface PathOffer {
  readonly org: string
  readonly agent: string
  readonly capability: string
  readonly costUsd: number
  /** Advertised p95: the latency target when `windows.sloMs` is not set. */
  readonly p95Ms: number
  readonly tags: readonly string[]
}

export interface TaskRequest {
  readonly id: string
  readonly consumerOrg: string
  /** Capability asked for (budgets match on it). */
  readonly capability: string
  readonly messageBytes: number
  /** Best first. */
  readonly paths: readonly PathOffer[]
  /** Refuse at once rather than queue (a caller that cannot wait, e.g. one path at a time). */
  readonly noWait?: boolean
}

export type RejectReason = 'over-window' | 'over-budget'

export type AdmissionInput =
  | { readonly type: 'request', readonly task: TaskRequest }
  /** An admitted task ended. */
  | { readonly type: 'settle', readonly id: string, readonly outcome: TaskOutcome }
  /** An admitted task never left (refused before sending, or failed over): release without a signal. */
  | { readonly type: 'cancel', readonly id: string }
  /** The timer of the last `set-timer` effect fired: queued tasks past their deadline are refused. */
  | { readonly type: 'timer' }

export type AdmissionEffect =
  | {
    readonly type: 'admit'
    readonly id: string
    readonly path: PathOffer
    /** Position of the path in the task's ranking (0: the chosen path; more: spill-over). */
    readonly rank: number
    readonly estimate: Usage
    readonly budgets: readonly string[]
    /** Time spent in the queue (0 when admitted at once). */
    readonly queuedMs: number
  }
  | { readonly type: 'queue', readonly id: string, readonly deadlineMs: number }
  | { readonly type: 'reject', readonly id: string, readonly reason: RejectReason, readonly retryAfterMs: number, readonly budget?: string }
  /** The task settled: what it used and what it was charged against. */
  | { readonly type: 'settled', readonly id: string, readonly path: PathOffer, readonly usage: Usage, readonly budgets: readonly string[] }
  | { readonly type: 'set-timer', readonly atMs: number }

export interface AdmissionInit {
  readonly params: WindowParams
  readonly budgets?: readonly BudgetSpec[]
  /** Persisted budget spend, so a restart does not reset it. */
  readonly budgetRecords?: readonly BudgetRecord[]
  readonly estimator?: UsageEstimator
}

interface InFlight {
  readonly key: string
  readonly path: PathOffer
  readonly estimate: Usage
  readonly budgets: readonly string[]
  readonly sloMs: number
  readonly startedAtMs: number
}

interface Queued {
  readonly task: TaskRequest
  readonly enqueuedMs: number
  readonly deadlineMs: number
}

type Attempt =
  | { readonly ok: true, readonly effect: AdmissionEffect }
  | { readonly ok: false, readonly onlyBudget: boolean, readonly budget?: BudgetExceeded }

/** Key of a window: one per path and consumer org. */
export function windowKey (consumerOrg: string, org: string, agent: string): string {
  return `${consumerOrg} ${org}/${agent}`
}

export class Admission {
  readonly budgets: BudgetLedger
  private readonly params: WindowParams
  private readonly estimator: UsageEstimator
  /** Insertion order is recency of use: a window is re-inserted each time it admits. */
  private readonly windows = new Map<string, PathWindow>()
  private readonly inFlight = new Map<string, InFlight>()
  private readonly queue: Queued[] = []

  constructor (init: AdmissionInit) {
    this.params = init.params
    this.estimator = init.estimator ?? defaultEstimator
    this.budgets = new BudgetLedger(init.budgets ?? [], init.budgetRecords ?? [])
  }

  handle (input: AdmissionInput, nowMs: number): AdmissionEffect[] {
    const out: AdmissionEffect[] = []
    switch (input.type) {
      case 'request': this.request(input.task, nowMs, out); break
      case 'settle': this.finish(input.id, input.outcome, nowMs, out); break
      case 'cancel': this.finish(input.id, undefined, nowMs, out); break
      case 'timer': break
    }
    this.drain(nowMs, out)
    return out
  }

  /** The window of a path for this consumer org, if it was ever used. */
  window (consumerOrg: string, org: string, agent: string, nowMs: number): PathWindowView | undefined {
    return this.windows.get(windowKey(consumerOrg, org, agent))?.view(nowMs)
  }

  /** Every window, for metrics and the looking glass. */
  windowsView (nowMs: number): { key: string, view: PathWindowView }[] {
    return [...this.windows.entries()].map(([key, w]) => ({ key, view: w.view(nowMs) }))
  }

  /** Path keys (`org/agent`) whose window for this consumer org is congested: the resolve query's `congestedPaths`. */
  congestedPaths (consumerOrg: string, nowMs: number): Set<string> {
    const out = new Set<string>()
    const prefix = `${consumerOrg} `
    for (const [key, w] of this.windows) if (key.startsWith(prefix) && w.taskWindow.congested(nowMs)) out.add(key.slice(prefix.length))
    return out
  }

  congested (consumerOrg: string, org: string, agent: string, nowMs: number): boolean {
    return this.windows.get(windowKey(consumerOrg, org, agent))?.taskWindow.congested(nowMs) ?? false
  }

  budgetView (nowMs: number): BudgetView[] {
    return this.budgets.view(nowMs)
  }

  get queued (): number { return this.queue.length }
  get admitted (): number { return this.inFlight.size }

  private request (task: TaskRequest, nowMs: number, out: AdmissionEffect[]): void {
    if (this.inFlight.has(task.id) || this.queue.some((q) => q.task.id === task.id)) {
      out.push({ type: 'reject', id: task.id, reason: 'over-window', retryAfterMs: 0 })
      return
    }
    const a = this.attempt(task, nowMs, 0)
    if (a.ok) { out.push(a.effect); return }
    if (a.onlyBudget) {
      out.push(this.overBudget(task.id, a.budget, nowMs))
      return
    }
    if (task.noWait !== true && this.queue.length < this.params.maxQueue && this.params.queueTimeoutMs > 0) {
      const deadlineMs = nowMs + this.params.queueTimeoutMs
      this.queue.push({ task, enqueuedMs: nowMs, deadlineMs })
      out.push({ type: 'queue', id: task.id, deadlineMs })
      return
    }
    out.push({ type: 'reject', id: task.id, reason: 'over-window', retryAfterMs: this.windowRetryMs(task, nowMs) })
  }

  private attempt (task: TaskRequest, nowMs: number, queuedMs: number): Attempt {
    let onlyBudget = task.paths.length > 0
    let budget: BudgetExceeded | undefined
    for (let rank = 0; rank < task.paths.length; rank++) {
      const path = task.paths[rank] as PathOffer
      const subject = { capability: task.capability, agentTags: path.tags }
      const estimate = this.estimator.estimate({ messageBytes: task.messageBytes, costUsd: path.costUsd })
      const over = this.budgets.wouldExceed(subject, estimate.usd, nowMs)
      if (over !== undefined) { budget ??= over; continue }
      onlyBudget = false
      const key = windowKey(task.consumerOrg, path.org, path.agent)
      const ceilings = { usdPerMinute: this.budgets.usdPerMinuteCeiling(subject) }
      const w = this.windowFor(key, ceilings)
      const sloMs = this.params.sloMs ?? path.p95Ms
      if (w.full(estimate, nowMs, sloMs) !== undefined) continue
      const budgets = this.budgets.matching(subject)
      w.reserve(estimate)
      this.budgets.reserve(budgets, estimate.usd)
      this.inFlight.set(task.id, { key, path, estimate, budgets, sloMs, startedAtMs: nowMs })
      return { ok: true, effect: { type: 'admit', id: task.id, path, rank, estimate, budgets, queuedMs } }
    }
    return { ok: false, onlyBudget, ...(budget === undefined ? {} : { budget }) }
  }

  private finish (id: string, outcome: TaskOutcome | undefined, nowMs: number, out: AdmissionEffect[]): void {
    const t = this.inFlight.get(id)
    if (t === undefined) {
      // A task still queued can be withdrawn too (its client went away).
      const i = this.queue.findIndex((q) => q.task.id === id)
      if (i >= 0) this.queue.splice(i, 1)
      return
    }
    this.inFlight.delete(id)
    const w = this.windows.get(t.key)
    if (outcome === undefined) {
      w?.cancel(t.estimate)
      this.budgets.settle(t.budgets, t.estimate.usd, 0, nowMs)
      return
    }
    const usage = w !== undefined ? w.settle(t.estimate, outcome, t.sloMs, t.startedAtMs, nowMs) : t.estimate
    this.budgets.settle(t.budgets, t.estimate.usd, usage.usd, nowMs)
    out.push({ type: 'settled', id, path: t.path, usage, budgets: t.budgets })
  }

  /** Admit queued tasks that now fit (FIFO), refuse those past their deadline, re-arm the timer. */
  private drain (nowMs: number, out: AdmissionEffect[]): void {
    if (this.queue.length === 0) return
    const keep: Queued[] = []
    for (const q of this.queue) {
      if (q.deadlineMs <= nowMs) {
        out.push({ type: 'reject', id: q.task.id, reason: 'over-window', retryAfterMs: this.windowRetryMs(q.task, nowMs) })
        continue
      }
      const a = this.attempt(q.task, nowMs, nowMs - q.enqueuedMs)
      if (a.ok) { out.push(a.effect); continue }
      if (a.onlyBudget) {
        out.push(this.overBudget(q.task.id, a.budget, nowMs))
        continue
      }
      keep.push(q)
    }
    this.queue.length = 0
    this.queue.push(...keep)
    if (keep.length > 0) out.push({ type: 'set-timer', atMs: Math.min(...keep.map((q) => q.deadlineMs), this.nextRoomMs(keep, nowMs)) })
  }

  private windowFor (key: string, ceilings: { usdPerMinute: number }): PathWindow {
    let w = this.windows.get(key)
    if (w !== undefined) {
      this.windows.delete(key)
      w.setCeilings(ceilings)
    } else {
      if (this.windows.size >= this.params.maxPaths) this.evictIdle()
      w = new PathWindow(this.params, ceilings)
    }
    this.windows.set(key, w)
    return w
  }

  /** Forget the least recently used window with nothing in flight (it restarts from initialTasks). */
  private evictIdle (): void {
    for (const [key, w] of this.windows) {
      if (w.idle()) { this.windows.delete(key); return }
    }
  }

  /** A rate window frees room when settled usage leaves the minute; wake the queue then. */
  private nextRoomMs (queued: readonly Queued[], nowMs: number): number {
    let t = Infinity
    for (const q of queued) {
      for (const p of q.task.paths) {
        const w = this.windows.get(windowKey(q.task.consumerOrg, p.org, p.agent))
        if (w === undefined) continue
        for (const r of [w.tokenWindow, w.usdWindow]) {
          // Only a limited dimension waits for usage to leave the minute.
          if (!Number.isFinite(r.limit)) continue
          const e = r.nextRoomMs(nowMs)
          if (e > nowMs) t = Math.min(t, e)
        }
      }
    }
    return t
  }

  private windowRetryMs (task: TaskRequest, nowMs: number): number {
    // The typical time for a slot to free: the fastest candidate's latency target.
    let slo = Infinity
    for (const p of task.paths) slo = Math.min(slo, this.params.sloMs ?? p.p95Ms)
    const room = this.nextRoomMs([{ task, enqueuedMs: nowMs, deadlineMs: nowMs }], nowMs)
    const rateWaitMs = Number.isFinite(room) ? Math.min(MINUTE_MS, room - nowMs) : 0
    return Math.max(1000, Number.isFinite(slo) ? Math.ceil(slo) : 1000, rateWaitMs)
  }

  /** A per-minute budget frees within the minute; a day's budget only at the next UTC day. */
  private overBudget (id: string, budget: BudgetExceeded | undefined, nowMs: number): AdmissionEffect {
    const retryAfterMs = budget?.period === 'day' ? DAY_MS - (nowMs % DAY_MS) : MINUTE_MS - (nowMs % MINUTE_MS)
    return { type: 'reject', id, reason: 'over-budget', retryAfterMs, ...(budget === undefined ? {} : { budget: budget.id }) }
  }
}
