/**
 * The JSON report of `atp sim` (public interface, docs/simulation.md). Byte-identical for the same
 * topology and seed: fields in Contract order, nodes and capabilities sorted, no
 * wall-clock value anywhere.
 */
import { createHash } from 'node:crypto'
import type { DampingEpisode } from '../checkers/damping-checker.ts'
import type { MemoryNamespaceReport } from '../memory/memory-sim.ts'
import type { TasksReport } from '../tasks/task-stats.ts'

export type FinalTable = Record<string, Record<string, string[]>>

export interface DampingEntry {
  readonly node: string
  readonly org: string
  readonly agent: string
  readonly capability: string
  readonly suppressedAtMs: number
  readonly reusedAtMs: number | null
  readonly maxPenalty: number
}

export interface SimReport {
  readonly seed: number
  readonly converged: boolean
  readonly oscillating: boolean
  readonly convergenceMs: number
  readonly endMs: number
  readonly messages: { readonly updates: number, readonly withdrawals: number, readonly total: number }
  readonly bestPathChanges: number
  readonly damping: readonly DampingEntry[]
  readonly final: FinalTable
  readonly stateHash: string
  /** Only when the topology declares task traffic. */
  readonly tasks?: TasksReport
  /** Only when the topology declares memory: per namespace, sorted. */
  readonly memory?: Record<string, MemoryNamespaceReport>
}

export interface ReportInput {
  readonly seed: number
  readonly converged: boolean
  readonly oscillating: boolean
  readonly convergenceMs: number
  readonly endMs: number
  readonly messages: { readonly updates: number, readonly withdrawals: number, readonly other: number }
  readonly bestPathChanges: number
  readonly episodes: readonly DampingEpisode[]
  /** node → capability → ranked usable paths; sorted here. */
  readonly final: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>
  readonly tasks?: TasksReport
  readonly memory?: Record<string, MemoryNamespaceReport>
}

export function buildReport (input: ReportInput): SimReport {
  const final: FinalTable = {}
  for (const node of [...input.final.keys()].sort()) {
    const caps = input.final.get(node) as ReadonlyMap<string, readonly string[]>
    const row: Record<string, string[]> = {}
    for (const cap of [...caps.keys()].sort()) row[cap] = [...(caps.get(cap) as readonly string[])]
    final[node] = row
  }
  const damping = input.episodes.map((e): DampingEntry => ({
    node: e.node,
    org: e.org,
    agent: e.agent,
    capability: e.capability,
    suppressedAtMs: e.suppressedAtMs,
    reusedAtMs: e.reusedAtMs,
    maxPenalty: Math.round(e.maxPenalty * 100) / 100
  })).sort((a, b) => a.suppressedAtMs - b.suppressedAtMs || cmp(a.node, b.node) || cmp(a.org, b.org) || cmp(a.agent, b.agent) || cmp(a.capability, b.capability))
  const m = input.messages
  return {
    seed: input.seed,
    converged: input.converged,
    oscillating: input.oscillating,
    convergenceMs: input.convergenceMs,
    endMs: input.endMs,
    messages: { updates: m.updates, withdrawals: m.withdrawals, total: m.updates + m.withdrawals + m.other },
    bestPathChanges: input.bestPathChanges,
    damping,
    final,
    stateHash: createHash('sha256').update(JSON.stringify(final)).digest('hex'),
    ...(input.tasks !== undefined ? { tasks: input.tasks } : {}),
    ...(input.memory !== undefined ? { memory: input.memory } : {})
  }
}

/** The report as written to report.json and to stdout with --json. */
export function encodeReport (report: SimReport): string {
  return JSON.stringify(report, null, 2) + '\n'
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
