/**
 * Builds the daemon's CongestionControl from the site config: windows, budgets with
 * their spend read back from level (corrupt records skipped and logged), origin limits
 * of the config agents, and the Prometheus series of docs/congestion.md.
 */
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { OriginLimits } from '../../agp/index.ts'
import type { Clock } from '../../kernel/index.ts'
import type { SiteConfig } from '../config/schema.ts'
import type { NodeStore } from '../store/node-store.ts'
import { BudgetStore } from './budget-store.ts'
import { CongestionControl, type RefusalReason } from './congestion-control.ts'

export const REFUSAL_REASONS: readonly RefusalReason[] = ['over-window', 'over-budget', 'origin-limit']

export interface OpenCongestionInit {
  readonly config: Pick<SiteConfig, 'org' | 'windows' | 'budgets' | 'agents'>
  readonly store: Pick<NodeStore, 'sublevel'>
  readonly clock: Clock
  readonly registry: Registry
  readonly log: Logger
}

export async function openCongestion (init: OpenCongestionInit): Promise<CongestionControl> {
  const { config, log } = init
  const budgetStore = new BudgetStore(init.store.sublevel('budgets'), (err) => { log.error({ err: String(err) }, 'persisting budget spend failed') })
  const { records, skipped } = await budgetStore.load()
  for (const s of skipped) log.warn({ record: s.key, reason: s.reason }, 'stored budget spend does not decode: skipped (the budget counts from zero)')
  const originLimits = new Map<string, OriginLimits>()
  for (const a of config.agents) if (a.limits !== undefined) originLimits.set(a.id, a.limits)
  const control = new CongestionControl({
    org: config.org, params: config.windows, budgets: config.budgets, budgetRecords: records, originLimits, clock: init.clock, store: budgetStore
  })
  registerCongestionMetrics(init.registry, control)
  return control
}

export function registerCongestionMetrics (registry: Registry, control: CongestionControl): void {
  new Gauge({
    name: 'atpd_window_tasks',
    help: 'Congestion window (tasks in flight allowed) of this org on each path it has sent tasks to',
    labelNames: ['capability', 'org', 'agent'] as const,
    registers: [registry],
    collect () {
      this.reset()
      for (const w of control.windows()) this.set({ capability: w.capability, org: w.org, agent: w.agent }, w.window.tasks)
    }
  })
  // A counter that continues across restarts: it starts from the persisted total.
  const spent = new Counter({ name: 'atpd_budget_spent_usd_total', help: 'Dollars settled against each budget', labelNames: ['budget'] as const, registers: [registry] })
  for (const b of control.budgets()) spent.inc({ budget: b.id }, b.spentTotalUsd)
  control.onSpent((budget, usd) => { if (usd > 0) spent.inc({ budget }, usd) })
  new Counter({
    name: 'atpd_tasks_rejected_total',
    help: 'Tasks refused by a congestion window, a budget, or an origin limit',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect () {
      this.reset()
      for (const reason of REFUSAL_REASONS) this.inc({ reason }, control.rejected[reason])
    }
  })
}
