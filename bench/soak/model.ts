/**
 * What the soak believes the federation holds, from its own churn log: the agents
 * registered at each origin (as last PUT), and a conservative estimate of each path's
 * damping penalty so that churn never pushes a path to suppression (a suppressed path
 * is correct behaviour, but not the "every registered agent is usable" state the
 * convergence check expects).
 */
import type { AgentBody } from '../../daemon/launcher/federation-config.ts'

export interface ModelAgent extends Required<AgentBody> {
  readonly org: string
  readonly id: string
}

/** RFC 7196 defaults (docs/damping.md); the soak configures no damping. */
const HALF_LIFE_MS = 900_000
export const WITHDRAW_PENALTY = 1000
export const CHANGE_PENALTY = 500
/** Half the suppress threshold (6000): the margin for events the estimate does not see. */
export const PENALTY_BUDGET = 3000

interface Penalty { value: number, atMs: number }

export class ChurnModel {
  private readonly agents = new Map<string, ModelAgent>()
  private readonly penalties = new Map<string, Penalty>()
  private nextId = 0

  /** A fresh agent id: never reused, so a removed path never comes back (no re-advertisement flap). */
  newId (): string {
    return `a${(this.nextId++).toString(36)}`
  }

  put (agent: ModelAgent): void {
    this.agents.set(key(agent.org, agent.id), agent)
  }

  remove (org: string, id: string): void {
    this.agents.delete(key(org, id))
    this.penalties.delete(key(org, id))
  }

  get (org: string, id: string): ModelAgent | undefined {
    return this.agents.get(key(org, id))
  }

  agentsOf (org: string): ModelAgent[] {
    return [...this.agents.values()].filter((a) => a.org === org)
  }

  all (): ModelAgent[] {
    return [...this.agents.values()]
  }

  /** Estimated penalty now (decayed with the half-life), 0 for a path never penalized. */
  penalty (org: string, id: string, nowMs: number): number {
    const p = this.penalties.get(key(org, id))
    return p === undefined ? 0 : p.value * 2 ** (-(nowMs - p.atMs) / HALF_LIFE_MS)
  }

  penalize (org: string, id: string, amount: number, nowMs: number): void {
    this.penalties.set(key(org, id), { value: this.penalty(org, id, nowMs) + amount, atMs: nowMs })
  }

  /** Path keys (`capability|org|agent`) a site should hold as usable routes. */
  expectedAt (site: { readonly role: string, readonly org: string, readonly interests: readonly string[] }): Map<string, ModelAgent> {
    const out = new Map<string, ModelAgent>()
    for (const a of this.agents.values()) {
      // Own agents are in the site's table whatever its interests; interests filter what it is sent.
      if (site.role === 'peer' && a.org !== site.org && !wants(site.interests, a.capability)) continue
      out.set(`${a.capability}|${a.org}|${a.id}`, a)
    }
    return out
  }
}

function key (org: string, id: string): string {
  return `${org}/${id}`
}

/**
 * Interest match written here rather than imported from agp/capability: the soak's
 * expected state is an oracle and should not share the code it checks.
 */
function wants (interests: readonly string[], capability: string): boolean {
  return interests.length === 0 || interests.some((p) => capability === p || capability.startsWith(`${p}/`))
}
