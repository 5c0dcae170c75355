/**
 * Seeded churn through the HTTP API: agents added, removed and updated (inside and
 * outside the damping hysteresis band), outcomes, resolves and memory writes. Every
 * change of agents goes into the ChurnModel, the oracle of the convergence check.
 */
import type { Random } from '../../kernel/index.ts'
import { httpJson } from '../../daemon/launcher/federation-api.ts'
import type { SoakSite } from './federation.ts'
import { MEMORY_NS } from './federation.ts'
import { CHANGE_PENALTY, PENALTY_BUDGET, type ChurnModel, type ModelAgent } from './model.ts'

export const CAPABILITIES = ['code-review/python', 'code-review/go', 'summarize', 'summarize/long', 'translate/de', 'search/web'] as const
const RESOLVE_ONLY = ['code-review/python/security', 'translate', 'no-such/capability'] as const
const MIN_AGENTS = 2
const MAX_AGENTS = 10
/** In-band steps stay well inside the 10 % relative band (docs/damping.md). */
const IN_BAND_REL = 0.04
const MAX_ERRORS_KEPT = 50
const RETRY_ATTEMPTS = 10

export type OpKind = 'agentAdd' | 'agentRemove' | 'agentUpdateInBand' | 'agentUpdateOutOfBand' | 'outcome' | 'resolve' | 'memoryWrite'

export class ErrorLog {
  readonly kept: string[] = []
  count = 0
  add (what: string): void {
    this.count++
    if (this.kept.length < MAX_ERRORS_KEPT) this.kept.push(`${new Date().toISOString()} ${what}`)
  }
}

export class Churn {
  readonly ops: Record<OpKind, number> = { agentAdd: 0, agentRemove: 0, agentUpdateInBand: 0, agentUpdateOutOfBand: 0, outcome: 0, resolve: 0, memoryWrite: 0 }
  readonly resolveStatuses: Record<string, number> = {}
  /** Agent writes sent again because the daemon did not answer in time. */
  retries = 0

  constructor (
    private readonly random: Random,
    private readonly model: ChurnModel,
    private readonly errors: ErrorLog
  ) {}

  /** Registers `perOrg` agents at each org (the starting table). */
  async populate (orgs: readonly SoakSite[], perOrg: number): Promise<void> {
    for (const site of orgs) for (let i = 0; i < perOrg; i++) await this.addAgent(site)
  }

  /** One burst of `count` operations at random orgs among `orgs` (frozen ones excluded by the caller). */
  async burst (orgs: readonly SoakSite[], count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const site = this.pick(orgs)
      const n = this.model.agentsOf(site.org).length
      const r = this.random.next()
      if (n < MIN_AGENTS || (r < 0.22 && n < MAX_AGENTS)) await this.addAgent(site)
      else if (r < 0.36 || n >= MAX_AGENTS) await this.removeAgent(site)
      else if (r < 0.56) await this.updateAgent(site, false)
      else if (r < 0.66) await this.updateAgent(site, true)
      else if (r < 0.76) await this.outcome(site)
      else if (r < 0.88) await this.resolve(site)
      else await this.memoryWrite(site)
    }
  }

  private async addAgent (site: SoakSite): Promise<void> {
    const p50 = this.int(200, 2000)
    const wins = this.int(0, 40)
    const agent: ModelAgent = {
      org: site.org,
      id: this.model.newId(),
      capability: this.pick(CAPABILITIES),
      endpoint: `http://127.0.0.1:${this.int(9000, 9999)}`,
      costUsd: round(0.05 + this.random.next(), 4),
      latencyMs: { p50, p95: Math.round(p50 * (1.5 + this.random.next() * 1.5)) },
      winRate: { wins, trials: wins + this.int(1, 20) },
      region: this.pick(['eu', 'us'] as const),
      tags: []
    }
    if (await this.putAgent(site, agent, 201)) {
      this.model.put(agent)
      this.ops.agentAdd++
    }
  }

  private async removeAgent (site: SoakSite): Promise<void> {
    const agents = this.model.agentsOf(site.org)
    if (agents.length === 0) return
    const a = this.pick(agents)
    if (await this.agentWrite(site, 'DELETE', a.id, undefined, 200)) {
      this.model.remove(site.org, a.id)
      this.ops.agentRemove++
    }
  }

  /** Metrics moved inside the hysteresis band (a refresh) or outside it (a change, +500 penalty). */
  private async updateAgent (site: SoakSite, outOfBand: boolean): Promise<void> {
    const nowMs = Date.now()
    const agents = this.model.agentsOf(site.org)
    const eligible = outOfBand ? agents.filter((a) => this.model.penalty(a.org, a.id, nowMs) + CHANGE_PENALTY <= PENALTY_BUDGET) : agents
    if (eligible.length === 0) { if (agents.length > 0) await this.updateAgent(site, false); return }
    const a = this.pick(eligible)
    const drift = (): number => 1 + (this.random.next() * 2 - 1) * IN_BAND_REL
    const costFactor = outOfBand ? (this.random.next() < 0.5 ? 1.3 + this.random.next() * 0.5 : 0.5 + this.random.next() * 0.2) : drift()
    const p50 = Math.max(50, Math.round(a.latencyMs.p50 * drift()))
    const next: ModelAgent = {
      ...a,
      costUsd: Math.max(0.01, round(a.costUsd * costFactor, 4)),
      latencyMs: { p50, p95: Math.max(p50, Math.round(a.latencyMs.p95 * drift())) }
    }
    if (await this.putAgent(site, next, 200)) {
      this.model.put(next)
      if (outOfBand) {
        this.model.penalize(a.org, a.id, CHANGE_PENALTY, nowMs)
        this.ops.agentUpdateOutOfBand++
      } else {
        this.ops.agentUpdateInBand++
      }
    } else if (outOfBand) {
      // It may have landed: the penalty estimate must stay conservative.
      this.model.penalize(a.org, a.id, CHANGE_PENALTY, nowMs)
    }
  }

  private async outcome (site: SoakSite): Promise<void> {
    const remote = [...this.model.expectedAt(site).values()].filter((a) => a.org !== site.org)
    if (remote.length === 0) return
    const a = this.pick(remote)
    const body = { org: a.org, agent: a.id, capability: a.capability, success: this.random.next() < 0.7, latencyMs: this.int(100, 3000), costUsd: a.costUsd }
    if (await this.call(site, 'POST', '/v1/outcomes', body, [202])) this.ops.outcome++
  }

  private async resolve (site: SoakSite): Promise<void> {
    const capability = this.random.next() < 0.8 ? this.pick(CAPABILITIES) : this.pick(RESOLVE_ONLY)
    const q = `/v1/resolve?capability=${encodeURIComponent(capability)}${this.random.next() < 0.3 ? '&maxCostUsd=0.5' : ''}`
    const status = await this.status(site, 'GET', q)
    this.resolveStatuses[String(status)] = (this.resolveStatuses[String(status)] ?? 0) + 1
    // 404 ERR_NO_MATCH is an answer (nothing usable, or nothing under the constraint).
    if (status === 200 || status === 404) this.ops.resolve++
    else this.errors.add(`${site.name} GET ${q} → ${status}`)
  }

  private async memoryWrite (site: SoakSite): Promise<void> {
    const r = this.random.next()
    const key = `k${this.int(0, 15)}`
    const base = `/v1/memory/${MEMORY_NS}`
    const ok = r < 0.6
      ? await this.call(site, 'PUT', `${base}/entries/${key}`, { value: { n: this.int(0, 1e6), by: site.org } }, [200])
      : r < 0.8
        // Absent keys answer 404: a delete racing another org's delete is normal.
        ? await this.call(site, 'DELETE', `${base}/entries/${key}`, undefined, [200, 404])
        : await this.call(site, 'POST', `${base}/texts/log`, { edits: [{ index: 0, insert: `${site.org}:${this.int(0, 999)} ` }] }, [200])
    if (ok) this.ops.memoryWrite++
  }

  private async putAgent (site: SoakSite, a: ModelAgent, status: 200 | 201): Promise<boolean> {
    const { org: _org, id, ...body } = a
    return await this.agentWrite(site, 'PUT', id, body, status)
  }

  /**
   * A write the daemon did not answer may or may not have landed (it can still be queued
   * there). Agent writes are idempotent, so it is sent again until answered: then the
   * origin holds exactly what the model says. False when it failed or never answered
   * (then the model may be wrong, and the error log says so).
   */
  private async agentWrite (site: SoakSite, method: 'PUT' | 'DELETE', id: string, body: unknown, ok: number): Promise<boolean> {
    const path = `/v1/agents/${id}`
    // Sent again, a PUT may find the agent there (200) and a DELETE find it gone (404).
    const settled = method === 'PUT' ? [ok, 200] : [ok, 404]
    let status = await this.status(site, method, path, body)
    for (let attempt = 0; status === 0 && attempt < RETRY_ATTEMPTS; attempt++) {
      this.retries++
      await new Promise((resolve) => setTimeout(resolve, 1000))
      status = await this.status(site, method, path, body)
      if (settled.includes(status)) return true
    }
    if (status === ok) return true
    this.errors.add(`${site.name} ${method} ${path} → ${status}`)
    return false
  }

  private async call (site: SoakSite, method: string, path: string, body: unknown, ok: readonly number[]): Promise<boolean> {
    const status = await this.status(site, method, path, body)
    if (ok.includes(status)) return true
    this.errors.add(`${site.name} ${method} ${path} → ${status}`)
    return false
  }

  /** The HTTP status, or 0 when the daemon did not answer (refused, reset, 3 s timeout). */
  private async status (site: SoakSite, method: string, path: string, body?: unknown): Promise<number> {
    try {
      return (await httpJson(site.proc.apiUrl, path, { method, ...(body !== undefined ? { body } : {}) })).status
    } catch {
      return 0
    }
  }

  private pick<T> (xs: readonly T[]): T {
    const x = xs[Math.floor(this.random.next() * xs.length)]
    if (x === undefined) throw new Error('pick from an empty list')
    return x
  }

  private int (lo: number, hi: number): number {
    return lo + Math.floor(this.random.next() * (hi - lo + 1))
  }
}

function round (x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
