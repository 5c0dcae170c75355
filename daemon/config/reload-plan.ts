/**
 * What a config reload (SIGHUP) changes in a running daemon. Agents declared in the
 * config are applied live (added, replaced, removed); agents added through the API are
 * not the config's and stay; agents known by their A2A card need a restart. Policy and
 * damping parameters are applied live (the Speaker's 'reconfigure' input). Neighbors
 * are applied live (the Speaker's 'neighbors' input): added ones get a session, removed
 * ones are shut down, a changed one is reset, the others are left alone — unless the
 * node's own identity (org, site, role, cluster) changed too, since the neighbor list
 * was checked against the new identity, not the running one. Every other top-level key
 * that differs is named in `needsRestart`: the running daemon keeps its old value until
 * the next start.
 */
import type { LocalAgent } from '../../reflector/index.ts'
import { staticAgents } from './schema-agent.ts'
import type { NeighborEntry, SiteConfig } from './schema.ts'

export interface ReloadPlan {
  readonly upsertAgents: readonly LocalAgent[]
  readonly removeAgents: readonly string[]
  /** The policy or the damping parameters changed: both go to the Speaker. */
  readonly reconfigure: boolean
  /** Neighbors by peer id, when the list is applied live; all empty when it is not. */
  readonly neighbors: NeighborChanges
  /** Top-level config keys whose new value takes effect only after a restart. */
  readonly needsRestart: readonly string[]
}

export interface NeighborChanges {
  readonly added: readonly NeighborEntry[]
  readonly removed: readonly string[]
  /** Same peer, another org, role, max routes or addresses (the new entries). */
  readonly changed: readonly NeighborEntry[]
}

const LIVE_KEYS: ReadonlySet<string> = new Set(['agents', 'policy', 'damping', 'neighbors'])
/** Who the node is: the neighbor list is checked against these (daemon/config/checks.ts). */
const IDENTITY_KEYS = ['org', 'site', 'role', 'cluster'] as const
const NO_NEIGHBOR_CHANGES: NeighborChanges = { added: [], removed: [], changed: [] }

export function planReload (running: SiteConfig, next: SiteConfig): ReloadPlan {
  const before = new Map(staticAgents(running.agents).map((a) => [a.id, a]))
  const after = new Map(staticAgents(next.agents).map((a) => [a.id, a]))
  const upsertAgents = [...after.values()].filter((a) => !sameJson(before.get(a.id), a))
  const removeAgents = [...before.keys()].filter((id) => !after.has(id))
  const keys = new Set([...Object.keys(running), ...Object.keys(next)])
  const needsRestart = [...keys].filter((k) => !LIVE_KEYS.has(k) &&
    !sameJson((running as Record<string, unknown>)[k], (next as Record<string, unknown>)[k]))
  // Agents known by their A2A card are watched by the data plane from its start.
  const cards = (c: SiteConfig): unknown[] => c.agents.filter((a) => 'a2a' in a)
  if (!sameJson(cards(running), cards(next))) needsRestart.push('agents[].a2a')
  let neighbors = neighborChanges(running, next)
  const identityChanged = IDENTITY_KEYS.some((k) => !sameJson(running[k], next[k]))
  if (identityChanged && countOf(neighbors) > 0) {
    needsRestart.push('neighbors')
    neighbors = NO_NEIGHBOR_CHANGES
  }
  needsRestart.sort()
  const reconfigure = !sameJson(running.policy, next.policy) || !sameJson(running.damping, next.damping)
  return { upsertAgents, removeAgents, reconfigure, neighbors, needsRestart }
}

function neighborChanges (running: SiteConfig, next: SiteConfig): NeighborChanges {
  if (sameJson(running.neighbors, next.neighbors)) return NO_NEIGHBOR_CHANGES
  const before = new Map(running.neighbors.map((n) => [n.peer, n]))
  const after = new Set(next.neighbors.map((n) => n.peer))
  return {
    added: next.neighbors.filter((n) => !before.has(n.peer)),
    removed: running.neighbors.filter((n) => !after.has(n.peer)).map((n) => n.peer),
    changed: next.neighbors.filter((n) => before.has(n.peer) && !sameJson(before.get(n.peer), n))
  }
}

function countOf (n: NeighborChanges): number {
  return n.added.length + n.removed.length + n.changed.length
}

/** Whether the plan changes any neighbor. */
export function changesNeighbors (plan: ReloadPlan): boolean {
  return countOf(plan.neighbors) > 0
}

function sameJson (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
