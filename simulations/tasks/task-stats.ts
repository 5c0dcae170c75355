/**
 * What task traffic leaves behind: per path served / rejected / latencies / window
 * extremes, spend per consumer org, and time series for the HTML report. Only
 * integers of virtual time and counts, so the same seed gives the same bytes.
 */
import { TIME_BUCKETS } from '../report/metrics.ts'

export interface TaskPathReport {
  readonly org: string
  readonly agent: string
  readonly capability: string
  readonly served: number
  readonly rejected: number
  /** p95 of the latency of served tasks (sent → answer), null when none was served. */
  readonly p95Ms: number | null
  /** Sum of the consumers' task windows on the path: its extremes and its value at the end. */
  readonly windowTasks: { readonly min: number, readonly max: number, readonly final: number }
}

export interface TasksReport {
  readonly sloMs: number | null
  readonly paths: readonly TaskPathReport[]
  readonly spendUsd: Readonly<Record<string, number>>
}

/** Per-bucket series for the plots. */
export interface TaskTimeline {
  readonly bucketMs: number
  /** Path key → windows (last value per bucket), served and rejected per bucket. */
  readonly paths: ReadonlyMap<string, { readonly window: number[], readonly served: number[], readonly rejected: number[] }>
  /** Mean wait in the consumer's queue of the tasks admitted in the bucket (ms). */
  readonly queueDelayMs: number[]
  /** Consumer org → cumulative spend at the end of each bucket. */
  readonly spend: ReadonlyMap<string, number[]>
}

interface PathStats {
  readonly org: string
  readonly agent: string
  readonly capability: string
  served: number
  rejected: number
  readonly latencies: number[]
  min: number
  max: number
  final: number
  readonly window: number[]
  readonly servedSeries: number[]
  readonly rejectedSeries: number[]
}

export class TaskStats {
  private readonly paths = new Map<string, PathStats>()
  private readonly spend = new Map<string, number>()
  private readonly spendSeries = new Map<string, number[]>()
  private readonly queueSum = new Array<number>(TIME_BUCKETS).fill(0)
  private readonly queueCount = new Array<number>(TIME_BUCKETS).fill(0)
  readonly bucketMs: number

  constructor (readonly endMs: number, consumerOrgs: readonly string[]) {
    this.bucketMs = Math.max(1, endMs) / TIME_BUCKETS
    for (const org of consumerOrgs) {
      this.spend.set(org, 0)
      this.spendSeries.set(org, new Array<number>(TIME_BUCKETS).fill(Number.NaN))
    }
  }

  path (org: string, agent: string, capability: string): PathStats {
    const key = `${org}/${agent}`
    let p = this.paths.get(key)
    if (p === undefined) {
      const empty = (): number[] => new Array<number>(TIME_BUCKETS).fill(0)
      p = { org, agent, capability, served: 0, rejected: 0, latencies: [], min: Infinity, max: 0, final: 0, window: new Array<number>(TIME_BUCKETS).fill(Number.NaN), servedSeries: empty(), rejectedSeries: empty() }
      this.paths.set(key, p)
    }
    return p
  }

  served (p: PathStats, latencyMs: number, nowMs: number): void {
    p.served++
    p.latencies.push(latencyMs)
    ;(p.servedSeries as number[])[this.bucket(nowMs)]! += 1
  }

  rejected (p: PathStats, nowMs: number): void {
    p.rejected++
    p.rejectedSeries[this.bucket(nowMs)]! += 1
  }

  window (p: PathStats, tasks: number, nowMs: number): void {
    p.min = Math.min(p.min, tasks)
    p.max = Math.max(p.max, tasks)
    p.final = tasks
    p.window[this.bucket(nowMs)] = tasks
  }

  queued (waitMs: number, nowMs: number): void {
    const b = this.bucket(nowMs)
    this.queueSum[b]! += waitMs
    this.queueCount[b]! += 1
  }

  spent (consumerOrg: string, usd: number, nowMs: number): void {
    const total = (this.spend.get(consumerOrg) ?? 0) + usd
    this.spend.set(consumerOrg, total)
    const series = this.spendSeries.get(consumerOrg)
    if (series !== undefined) series[this.bucket(nowMs)] = total
  }

  report (sloMs: number | undefined): TasksReport {
    const paths = [...this.paths.values()]
      .sort((a, b) => cmp(a.org, b.org) || cmp(a.agent, b.agent) || cmp(a.capability, b.capability))
      .map((p): TaskPathReport => ({
        org: p.org,
        agent: p.agent,
        capability: p.capability,
        served: p.served,
        rejected: p.rejected,
        p95Ms: p.latencies.length === 0 ? null : Math.round(percentile(p.latencies, 0.95)),
        windowTasks: { min: p.min === Infinity ? 0 : p.min, max: p.max, final: p.final }
      }))
    const spendUsd: Record<string, number> = {}
    for (const org of [...this.spend.keys()].sort()) spendUsd[org] = Math.round((this.spend.get(org) as number) * 1e6) / 1e6
    return { sloMs: sloMs ?? null, paths, spendUsd }
  }

  timeline (): TaskTimeline {
    const carry = (xs: readonly number[], start = 0): number[] => {
      let last = start
      return xs.map((x) => Number.isNaN(x) ? last : (last = x))
    }
    const paths = new Map([...this.paths.entries()].map(([k, p]) => [k, { window: carry(p.window), served: p.servedSeries, rejected: p.rejectedSeries }]))
    return {
      bucketMs: this.bucketMs,
      paths,
      queueDelayMs: this.queueSum.map((s, i) => this.queueCount[i] === 0 ? 0 : s / (this.queueCount[i] as number)),
      spend: new Map([...this.spendSeries.entries()].map(([org, xs]) => [org, carry(xs)]))
    }
  }

  private bucket (nowMs: number): number {
    return Math.min(TIME_BUCKETS - 1, Math.max(0, Math.floor(nowMs / this.bucketMs)))
  }
}

/** Nearest-rank percentile (no interpolation: the value of a real task). */
export function percentile (values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1] as number
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
