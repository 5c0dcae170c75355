/**
 * An origin's own measurement of one agent, from the tasks it served: latency p50/p95
 * and successes over a sliding window (the last `maxSamples` tasks, none older than
 * `windowMs`). Pure: the driver passes the time.
 *
 * `shouldAdvertise` says when the measurement has left the hysteresis band around what
 * was last advertised (the same band damping uses to tell a refresh from a change), so
 * drift reaches the federation and jitter does not.
 */
import { withinRel } from '../damping/classify-change.ts'
import type { HysteresisBand } from '../params.ts'
import type { LatencyMs } from '../route/route.ts'

/**
 * The origin tag that marks a route whose latency and win-rate the origin measured
 * from the tasks it served (rather than declared): signed with the other attributes,
 * so every node can show it (route JSON `measured`) and no hop can forge it.
 */
export const MEASURED_TAG = 'metrics:measured'

export interface MeasuredMetrics {
  readonly latencyMs: LatencyMs
  readonly winRate: { readonly wins: number, readonly trials: number }
}

interface Sample { readonly atMs: number, readonly latencyMs: number, readonly success: boolean }

export class MeasuredWindow {
  private samples: Sample[] = []

  constructor (private readonly maxSamples = 200, private readonly windowMs = 10 * 60_000) {}

  record (success: boolean, latencyMs: number, nowMs: number): void {
    this.samples.push({ atMs: nowMs, latencyMs: Math.max(0, latencyMs), success })
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples)
  }

  /** The window's figures; undefined before the first sample (or after all aged out). */
  metrics (nowMs: number): MeasuredMetrics | undefined {
    const from = nowMs - this.windowMs
    if (this.samples.length > 0 && (this.samples[0] as Sample).atMs < from) this.samples = this.samples.filter((s) => s.atMs >= from)
    if (this.samples.length === 0) return undefined
    // Latency of successful tasks only: a failure's latency measures the failure.
    const latencies = this.samples.filter((s) => s.success).map((s) => s.latencyMs).sort((a, b) => a - b)
    const wins = this.samples.length - this.samples.filter((s) => !s.success).length
    const p = (q: number): number => latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number
    return { latencyMs: { p50: Math.round(p(0.5)), p95: Math.round(p(0.95)) }, winRate: { wins, trials: this.samples.length } }
  }
}

/** The measurement left the band around what was advertised (or nothing was). */
export function shouldAdvertise (advertised: MeasuredMetrics | undefined, measured: MeasuredMetrics, band: HysteresisBand): boolean {
  if (advertised === undefined) return true
  if (!withinRel(advertised.latencyMs.p50, measured.latencyMs.p50, band.latencyRel)) return true
  if (!withinRel(advertised.latencyMs.p95, measured.latencyMs.p95, band.latencyRel)) return true
  const mean = (w: { wins: number, trials: number }): number => w.trials === 0 ? 0 : w.wins / w.trials
  return Math.abs(mean(advertised.winRate) - mean(measured.winRate)) >= band.winRateAbs
}
