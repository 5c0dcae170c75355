/**
 * What a node originates: one of its own agents. The origin turns it into signed
 * route attributes (originate.ts); the Speaker keeps the set and re-originates it.
 */
import type { LatencyMs } from './route.ts'

/** A local agent as configured or registered through the API. */
export interface LocalAgent {
  readonly id: string
  readonly capability: string
  readonly endpoint: string
  readonly costUsd: number
  readonly latencyMs: LatencyMs
  readonly winRate: { readonly wins: number, readonly trials: number }
  readonly region: string
  readonly tags: readonly string[]
}

/** A fresh copy holding only a local agent's own fields (a config agent's limits or a route's times left out). */
export function localAgentOf (a: LocalAgent): LocalAgent {
  return {
    id: a.id,
    capability: a.capability,
    endpoint: a.endpoint,
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region,
    tags: [...a.tags]
  }
}
