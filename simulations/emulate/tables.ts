/**
 * Routing tables in the report's `final` shape (node → capability → usable paths
 * "org/agent" in local rank order) and their comparison.
 *
 * What must agree between simulation and reality: peer ids differ (the simulator's
 * peer id is the node id, a real one is 12D3KooW…), and the global order breaks score
 * ties on the originator's peer id. So per node and capability the *set* of usable
 * paths must be equal, and the order must be equal for every pair of paths whose
 * scores differ; paths with equal scores may be ordered differently.
 */
import { globalScore, quantizeScore } from '../../agp/index.ts'
import type { RouteAttributes } from '../../agp/index.ts'
import type { FinalTable } from '../report/report.ts'

/** The fields of GET /v1/routes this module reads (docs/api.md). */
export interface RouteRow {
  readonly capability: string
  readonly org: string
  readonly agent: string
  readonly usable: boolean
  readonly costUsd: number
  readonly latencyMs: { readonly p50: number, readonly p95: number }
  readonly winRate: { readonly wins: number, readonly trials: number }
}

export interface EmulationDifference {
  readonly node: string
  readonly capability: string
  readonly simulated: readonly string[]
  readonly emulated: readonly string[]
}

/** Quantized global score per path "org/agent" (from what the origin advertised). */
export type PathScores = ReadonlyMap<string, number>

/** One node's usable routes, grouped by capability in the API's (local rank) order. */
export function tableOf (routes: readonly RouteRow[]): { table: Record<string, string[]>, scores: Map<string, number> } {
  const table: Record<string, string[]> = {}
  const scores = new Map<string, number>()
  for (const r of routes) {
    if (!r.usable) continue
    const path = `${r.org}/${r.agent}`
    const list = table[r.capability] ?? (table[r.capability] = [])
    list.push(path)
    scores.set(path, scoreKey(r))
  }
  const sorted: Record<string, string[]> = {}
  for (const cap of Object.keys(table).sort()) sorted[cap] = table[cap] ?? []
  return { table: sorted, scores }
}

/** The same number the global order compares (agp/decision/global-order.ts). */
export function scoreKey (r: Pick<RouteRow, 'costUsd' | 'latencyMs' | 'winRate'>): number {
  // globalScore reads only cost, p95 latency and the advertised win-rate evidence.
  const attrs = { costUsd: r.costUsd, latencyMs: r.latencyMs, winRate: { ...r.winRate, measuredAtMs: 0 } } as unknown as RouteAttributes
  return quantizeScore(globalScore(attrs))
}

/**
 * Differences between the simulated and the emulated `final`, sorted by node then
 * capability. `scores` gives, per node, the score key of each path it holds.
 */
export function compareFinal (
  simulated: FinalTable, emulated: FinalTable, scores: ReadonlyMap<string, PathScores>
): EmulationDifference[] {
  const out: EmulationDifference[] = []
  const nodes = [...new Set([...Object.keys(simulated), ...Object.keys(emulated)])].sort()
  for (const node of nodes) {
    const sim = simulated[node] ?? {}
    const emu = emulated[node] ?? {}
    const nodeScores = scores.get(node) ?? new Map<string, number>()
    for (const capability of [...new Set([...Object.keys(sim), ...Object.keys(emu)])].sort()) {
      const s = sim[capability] ?? []
      const e = emu[capability] ?? []
      if (!agree(s, e, nodeScores)) out.push({ node, capability, simulated: [...s], emulated: [...e] })
    }
  }
  return out
}

/** Same multiset of paths, and the same relative order of every two paths with different scores. */
export function agree (simulated: readonly string[], emulated: readonly string[], scores: PathScores): boolean {
  if (simulated.length !== emulated.length) return false
  const a = [...simulated].sort()
  const b = [...emulated].sort()
  if (a.some((p, i) => p !== b[i])) return false
  const pos = new Map(emulated.map((p, i) => [p, i]))
  for (let i = 0; i < simulated.length; i++) {
    for (let j = i + 1; j < simulated.length; j++) {
      const x = simulated[i] as string
      const y = simulated[j] as string
      const sx = scores.get(x)
      const sy = scores.get(y)
      // Unknown score: nothing says they tie, so their order must agree.
      if (sx !== undefined && sx === sy) continue
      if ((pos.get(x) ?? 0) > (pos.get(y) ?? 0)) return false
    }
  }
  return true
}
