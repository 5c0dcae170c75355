/**
 * The resolved topology the engine runs: explicit and generated nodes merged, sessions
 * derived from `reflectors`, `partners` and `peers`, defaults filled in, events sorted.
 */
import type { BudgetSpec, DampingParams, FreshnessParams, OriginLimits, WindowParams } from '../../agp/index.ts'
import type { LocalAgent, NeighborConfig } from '../../reflector/index.ts'
import type { SimMemory } from './memory-spec.ts'
import type { ScenarioEvent } from './schema.ts'

export type NodeKind = 'org' | 'reflector'

export interface SimNodeSpec {
  /** Node id: org id or reflector id; also its org name and its (simulated) peer id. */
  readonly id: string
  readonly kind: NodeKind
  /** The node's org when it is one of several sites of it (default: its id). */
  readonly org?: string
  /** The node's site in its org (default: the org). */
  readonly site?: string
  readonly cluster?: string
  readonly interests: readonly string[]
  readonly agents: readonly LocalAgent[]
  readonly neighbors: readonly NeighborConfig[]
}

export interface SimLinkSpec {
  readonly a: string
  readonly b: string
  readonly delayMs: number
  readonly loss: number
}

export interface SimParams {
  readonly linkDelayMs: number
  readonly mraiMs: number
  readonly jitterMs: number
  readonly holdTimeS: number
  readonly damping: DampingParams
  readonly dampingEnabled: boolean
  readonly freshness: FreshnessParams
  readonly wire: boolean
}

export interface SimTopology {
  readonly seed: number
  readonly durationS: number
  readonly params: SimParams
  /** In declaration order: explicit reflectors, explicit orgs, then generated ones. */
  readonly nodes: readonly SimNodeSpec[]
  /** One per session, keyed by linkKey(a, b). */
  readonly links: ReadonlyMap<string, SimLinkSpec>
  /** Sorted by atS; equal times keep file order. `index` is the position in the file. */
  readonly events: readonly (ScenarioEvent & { readonly index: number })[]
  /** Task traffic, when the topology declares it. */
  readonly tasks?: SimTasks
  /** Shared memory, when the topology declares it. */
  readonly memory?: SimMemory
}

export interface SimConsumer {
  readonly org: string
  readonly capability: string
  readonly ratePerS: number
  readonly messageBytes: number
  readonly fromMs: number
  readonly toMs: number
  readonly budgets: readonly BudgetSpec[]
}

/** How an agent serves tasks: `capacity` at once, ~`serviceMs` each, `queue` more may wait. */
export interface SimService {
  readonly capacity: number
  readonly serviceMs: number
  readonly queue: number
}

export interface SimTasks {
  /** As configured (the report shows it); the windows fall back to each path's p95 without it. */
  readonly sloMs?: number
  readonly timeoutMs: number
  readonly attempts: number
  readonly windows: WindowParams
  readonly consumers: readonly SimConsumer[]
  /** Per path key `org/agent`; an agent without one serves every task at once, in half its advertised p95. */
  readonly services: ReadonlyMap<string, SimService>
  readonly limits: ReadonlyMap<string, OriginLimits>
}

/** Order-independent key of a session between two nodes. */
export function linkKey (a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`
}
