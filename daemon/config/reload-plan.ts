/**
 * What a config reload (SIGHUP) changes in a running daemon. Agents declared in the
 * config are applied live (added, replaced, removed); agents added through the API are
 * not the config's and stay; agents known by their A2A card need a restart. Policy and
 * damping parameters are applied live (the Speaker's 'reconfigure' input). Every other
 * top-level key that differs is named in `needsRestart`: the running daemon keeps its
 * old value until the next start.
 */
import type { LocalAgent } from '../../reflector/index.ts'
import { staticAgents } from './schema-agent.ts'
import type { SiteConfig } from './schema.ts'

export interface ReloadPlan {
  readonly upsertAgents: readonly LocalAgent[]
  readonly removeAgents: readonly string[]
  /** The policy or the damping parameters changed: both go to the Speaker. */
  readonly reconfigure: boolean
  /** Top-level config keys whose new value takes effect only after a restart. */
  readonly needsRestart: readonly string[]
}

const LIVE_KEYS: ReadonlySet<string> = new Set(['agents', 'policy', 'damping'])

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
  needsRestart.sort()
  const reconfigure = !sameJson(running.policy, next.policy) || !sameJson(running.damping, next.damping)
  return { upsertAgents, removeAgents, reconfigure, needsRestart }
}

function sameJson (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
