/**
 * Spending budgets of a consumer org: `budgets: [{ id, match: { capability?,
 * agentTags? }, usdPerDay, usdPerMinute }]`. A task is matched against every budget;
 * it leaves only if its estimate fits every matching one (day and minute), and the
 * estimate stays reserved until the task settles with what it really cost. Days are
 * UTC days (`floor(nowMs / 86 400 000)`), so every daemon of an org agrees on when a
 * day's budget starts again. The ledger's state is a plain value the driver persists,
 * so a restart does not hand a runaway consumer a fresh budget.
 */
import { isPrefixOf } from '../../kernel/index.ts'
import { MinuteUsage } from './minute-usage.ts'

export const DAY_MS = 86_400_000

export interface BudgetSpec {
  readonly id: string
  readonly match: { readonly capability?: string, readonly agentTags?: readonly string[] }
  readonly usdPerDay?: number
  readonly usdPerMinute?: number
}

/** What a task is matched on: the capability asked for and the chosen path's tags. */
export interface BudgetSubject {
  readonly capability: string
  readonly agentTags: readonly string[]
}

/** The persisted part of one budget. */
export interface BudgetRecord {
  readonly id: string
  /** UTC day that `spentTodayUsd` belongs to. */
  readonly day: number
  readonly spentTodayUsd: number
  /** Everything settled against this budget since it was created (a counter). */
  readonly spentTotalUsd: number
}

export interface BudgetView extends BudgetRecord {
  readonly usdPerDay: number | null
  readonly usdPerMinute: number | null
  readonly spentLastMinuteUsd: number
  readonly reservedUsd: number
}

export interface BudgetExceeded {
  readonly id: string
  readonly period: 'day' | 'minute'
}

interface Entry {
  readonly spec: BudgetSpec
  day: number
  spentToday: number
  spentTotal: number
  reserved: number
  readonly minute: MinuteUsage
}

export function budgetMatches (spec: BudgetSpec, subject: BudgetSubject): boolean {
  const m = spec.match
  if (m.capability !== undefined && !isPrefixOf(m.capability, subject.capability)) return false
  if (m.agentTags !== undefined && !m.agentTags.every((t) => subject.agentTags.includes(t))) return false
  return true
}

export class BudgetLedger {
  private readonly entries: Entry[]

  constructor (specs: readonly BudgetSpec[], records: readonly BudgetRecord[] = []) {
    const byId = new Map(records.map((r) => [r.id, r]))
    this.entries = specs.map((spec) => {
      const r = byId.get(spec.id)
      return {
        spec,
        day: r?.day ?? -Infinity,
        spentToday: finiteOrZero(r?.spentTodayUsd),
        spentTotal: finiteOrZero(r?.spentTotalUsd),
        reserved: 0,
        minute: new MinuteUsage()
      }
    })
  }

  /** Ids of the budgets that apply to a subject. */
  matching (subject: BudgetSubject): string[] {
    return this.entries.filter((e) => budgetMatches(e.spec, subject)).map((e) => e.spec.id)
  }

  /** The first matching budget `usd` more would exceed, or undefined when it fits all. */
  wouldExceed (subject: BudgetSubject, usd: number, nowMs: number): BudgetExceeded | undefined {
    for (const e of this.entries) {
      if (!budgetMatches(e.spec, subject)) continue
      this.roll(e, nowMs)
      const day = e.spec.usdPerDay
      if (day !== undefined && e.spentToday + e.reserved + usd > day) return { id: e.spec.id, period: 'day' }
      const minute = e.spec.usdPerMinute
      if (minute !== undefined && e.minute.total(nowMs) + e.reserved + usd > minute) return { id: e.spec.id, period: 'minute' }
    }
    return undefined
  }

  /** The tightest per-minute budget of a subject (+∞ without one): the ceiling of its dollar window. */
  usdPerMinuteCeiling (subject: BudgetSubject): number {
    let c = Infinity
    for (const e of this.entries) if (e.spec.usdPerMinute !== undefined && budgetMatches(e.spec, subject)) c = Math.min(c, e.spec.usdPerMinute)
    return c
  }

  reserve (ids: readonly string[], usd: number): void {
    for (const e of this.entries) if (ids.includes(e.spec.id)) e.reserved += Math.max(0, usd)
  }

  /** Drop a reservation and charge what the task really cost (0 when it never left). */
  settle (ids: readonly string[], reservedUsd: number, actualUsd: number, nowMs: number): void {
    const actual = Number.isFinite(actualUsd) && actualUsd > 0 ? actualUsd : 0
    for (const e of this.entries) {
      if (!ids.includes(e.spec.id)) continue
      this.roll(e, nowMs)
      e.reserved = Math.max(0, e.reserved - Math.max(0, reservedUsd))
      e.spentToday += actual
      e.spentTotal += actual
      e.minute.add(actual, nowMs)
    }
  }

  /** What the driver persists after a settlement. */
  records (): BudgetRecord[] {
    return this.entries.map((e) => ({ id: e.spec.id, day: e.day, spentTodayUsd: e.spentToday, spentTotalUsd: e.spentTotal }))
  }

  view (nowMs: number): BudgetView[] {
    return this.entries.map((e) => {
      this.roll(e, nowMs)
      return {
        id: e.spec.id,
        day: e.day,
        spentTodayUsd: e.spentToday,
        spentTotalUsd: e.spentTotal,
        usdPerDay: e.spec.usdPerDay ?? null,
        usdPerMinute: e.spec.usdPerMinute ?? null,
        spentLastMinuteUsd: e.minute.total(nowMs),
        reservedUsd: e.reserved
      }
    })
  }

  /** A new UTC day starts the day's spend at zero (the total keeps counting). */
  private roll (e: Entry, nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS)
    if (day > e.day) {
      e.day = day
      e.spentToday = 0
    }
  }
}

function finiteOrZero (x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : 0
}
