/**
 * The daemon's side of congestion control (docs/congestion.md): the consumer's window
 * machine (agp/window Admission) driven with the system clock — its queue deadlines
 * become timers, its admissions resolve the waiting callers — plus the origin limits of
 * the local agents, budget spend persisted in level, and the views the API, the looking
 * glass and /metrics show.
 */
import {
  Admission, type AdmissionEffect, type BudgetRecord, type BudgetSpec, type BudgetView, type OriginDecision,
  OriginLimiter, type OriginLimits, type PathOffer, type PathWindowView, type RejectReason, splitPathKey,
  type TaskOutcome, type Usage, type UsageEstimator, type WindowParams
} from '../../agp/index.ts'
import type { Clock } from '../../kernel/index.ts'
import type { BudgetStore } from './budget-store.ts'

export type RefusalReason = RejectReason | 'origin-limit'

export interface TaskToAdmit {
  readonly capability: string
  readonly messageBytes: number
  /** Candidate paths, best first (the resolve ranking). */
  readonly paths: readonly PathOffer[]
}

export type AdmitResult =
  | { readonly ok: true, readonly ticket: string, readonly path: PathOffer, readonly rank: number, readonly estimate: Usage, readonly queuedMs: number }
  | { readonly ok: false, readonly reason: RejectReason, readonly retryAfterMs: number, readonly budget?: string }

export interface CongestionControlInit {
  readonly org: string
  readonly params: WindowParams
  readonly budgets: readonly BudgetSpec[]
  readonly budgetRecords: readonly BudgetRecord[]
  /** Origin limits per local agent id. */
  readonly originLimits: ReadonlyMap<string, OriginLimits>
  readonly clock: Clock
  readonly store?: BudgetStore
  readonly estimator?: UsageEstimator
}

export interface WindowEntry {
  readonly capability: string
  readonly org: string
  readonly agent: string
  readonly window: PathWindowView
}

export class CongestionControl {
  readonly org: string
  /** Refusals since start, by reason. */
  readonly rejected: Record<RefusalReason, number> = { 'over-window': 0, 'over-budget': 0, 'origin-limit': 0 }
  private readonly admission: Admission
  private readonly clock: Clock
  private readonly store: BudgetStore | undefined
  private readonly waiting = new Map<string, (r: AdmitResult) => void>()
  private readonly limiters = new Map<string, OriginLimiter>()
  private readonly capabilities = new Map<string, string>()
  private readonly spentListeners: ((budget: string, usd: number) => void)[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAtMs = Infinity
  private seq = 0

  constructor (init: CongestionControlInit) {
    this.org = init.org
    this.clock = init.clock
    this.store = init.store
    this.admission = new Admission({
      params: init.params,
      budgets: init.budgets,
      budgetRecords: init.budgetRecords,
      ...(init.estimator !== undefined ? { estimator: init.estimator } : {})
    })
    for (const [agent, limits] of init.originLimits) this.limiters.set(agent, new OriginLimiter(limits))
  }

  /** Admit a task on the first path with room, wait in the bounded queue, or refuse it. */
  async admit (task: TaskToAdmit): Promise<AdmitResult> {
    const id = `t${this.seq++}`
    const result = new Promise<AdmitResult>((resolve) => this.waiting.set(id, resolve))
    this.apply(this.admission.handle({ type: 'request', task: { id, consumerOrg: this.org, ...task } }, this.clock.nowMs()))
    return await result
  }

  /**
   * Admit a task on one path now, or refuse it without queueing: for a forwarding path
   * that walks the ranking itself and tries the next path on a refusal.
   */
  admitNow (capability: string, messageBytes: number, path: PathOffer): AdmitResult {
    const id = `t${this.seq++}`
    let result: AdmitResult | undefined
    this.waiting.set(id, (r) => { result = r })
    this.apply(this.admission.handle({ type: 'request', task: { id, consumerOrg: this.org, capability, messageBytes, paths: [path], noWait: true } }, this.clock.nowMs()))
    this.waiting.delete(id)
    return result ?? { ok: false, reason: 'over-window', retryAfterMs: 1000 }
  }

  /** The admitted task ended; its usage is charged to the window and the budgets. */
  settle (ticket: string, outcome: TaskOutcome): void {
    this.apply(this.admission.handle({ type: 'settle', id: ticket, outcome }, this.clock.nowMs()))
  }

  /** The admitted task never left (refused before sending): release it without a signal. */
  cancel (ticket: string): void {
    this.apply(this.admission.handle({ type: 'cancel', id: ticket }, this.clock.nowMs()))
  }

  /** At the origin: may `consumerOrg` send one more task to local agent `agentId`? */
  originAcquire (agentId: string, consumerOrg: string, estimate: Usage): OriginDecision {
    const limiter = this.limiters.get(agentId)
    if (limiter === undefined) return { ok: true }
    const d = limiter.acquire(consumerOrg, estimate, this.clock.nowMs())
    if (!d.ok) this.rejected['origin-limit']++
    return d
  }

  originRelease (agentId: string, consumerOrg: string, estimate: Usage, actual: Usage): void {
    this.limiters.get(agentId)?.release(consumerOrg, estimate, actual, this.clock.nowMs())
  }

  /** This org's window on a path, if it ever sent a task there. */
  windowOf (org: string, agent: string): PathWindowView | undefined {
    return this.admission.window(this.org, org, agent, this.clock.nowMs())
  }

  /** Path keys to rank below the others in resolve (`uncongested-first`). */
  congestedPaths (): Set<string> {
    return this.admission.congestedPaths(this.org, this.clock.nowMs())
  }

  windows (): WindowEntry[] {
    const prefix = `${this.org} `
    return this.admission.windowsView(this.clock.nowMs()).flatMap(({ key, view }) => {
      if (!key.startsWith(prefix)) return []
      const path = key.slice(prefix.length)
      const { org, agent } = splitPathKey(path)
      return [{ capability: this.capabilities.get(path) ?? '', org, agent, window: view }]
    })
  }

  budgets (): BudgetView[] {
    return this.admission.budgetView(this.clock.nowMs())
  }

  onSpent (listener: (budget: string, usd: number) => void): void {
    this.spentListeners.push(listener)
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    // Nobody will settle what is still queued: refuse it rather than leave callers hanging.
    for (const resolve of this.waiting.values()) resolve({ ok: false, reason: 'over-window', retryAfterMs: 1000 })
    this.waiting.clear()
    await this.store?.flush()
  }

  private apply (effects: readonly AdmissionEffect[]): void {
    let spent = false
    for (const e of effects) {
      switch (e.type) {
        case 'admit':
          this.capabilities.set(`${e.path.org}/${e.path.agent}`, e.path.capability)
          this.resolve(e.id, { ok: true, ticket: e.id, path: e.path, rank: e.rank, estimate: e.estimate, queuedMs: e.queuedMs })
          break
        case 'reject':
          this.rejected[e.reason]++
          this.resolve(e.id, { ok: false, reason: e.reason, retryAfterMs: e.retryAfterMs, ...(e.budget !== undefined ? { budget: e.budget } : {}) })
          break
        case 'settled':
          if (e.budgets.length > 0) spent = true
          for (const b of e.budgets) for (const l of this.spentListeners) l(b, e.usage.usd)
          break
        case 'set-timer': this.arm(e.atMs); break
        case 'queue': break
      }
    }
    if (spent) this.store?.save(this.admission.budgets.records())
  }

  private resolve (id: string, r: AdmitResult): void {
    const w = this.waiting.get(id)
    this.waiting.delete(id)
    w?.(r)
  }

  private arm (atMs: number): void {
    if (!Number.isFinite(atMs) || atMs >= this.timerAtMs) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAtMs = atMs
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAtMs = Infinity
      this.apply(this.admission.handle({ type: 'timer' }, this.clock.nowMs()))
    }, Math.max(0, atMs - this.clock.nowMs()))
    this.timer.unref?.()
  }
}
