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
