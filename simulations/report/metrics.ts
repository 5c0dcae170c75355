/**
 * Counters and time series for the report: messages sent (by kind, per time bucket)
 * and routes by state, sampled at up to MAX_SAMPLED_NODES nodes (reflectors first).
 */
import type { Frame } from '../../agp/index.ts'
import type { RouteState, Speaker } from '../../reflector/index.ts'

export const TIME_BUCKETS = 100
const MAX_SAMPLED_NODES = 48

export interface MessageCounts { updates: number, withdrawals: number, other: number }

export interface RouteStateSample {
  readonly atMs: number
  readonly counts: Record<RouteState | 'unusable', number>
}

export class Metrics {
  /** Route announcements, route withdrawals, and every other frame (open, keepalive, end-of-rib...). */
  readonly totals: MessageCounts = { updates: 0, withdrawals: 0, other: 0 }
  readonly buckets: MessageCounts[] = Array.from({ length: TIME_BUCKETS }, () => ({ updates: 0, withdrawals: 0, other: 0 }))
  readonly routeStates: RouteStateSample[] = []
  private readonly endMs: number
  private readonly sampled: readonly string[]
  private readonly samples: number
  private nextSampleMs = 0

  /** `samples`: route-state samples over the run (0 = none; each reads the sampled nodes' whole Loc-RIBs). */
  constructor (endMs: number, nodeIds: readonly string[], reflectorIds: readonly string[], samples: number) {
    this.endMs = endMs
    this.samples = samples
    const others = nodeIds.filter((n) => !reflectorIds.includes(n))
    this.sampled = [...reflectorIds, ...others].slice(0, MAX_SAMPLED_NODES)
  }

  onSend (frames: readonly Frame[], nowMs: number): void {
    const b = this.buckets[Math.min(TIME_BUCKETS - 1, Math.floor(nowMs / Math.max(1, this.endMs) * TIME_BUCKETS))] as MessageCounts
    for (const f of frames) {
      if (f.type === 'update') {
        this.totals.updates += f.announces.length
        this.totals.withdrawals += f.withdraws.length
        b.updates += f.announces.length
        b.withdrawals += f.withdraws.length
      } else {
        this.totals.other++
        b.other++
      }
    }
  }

  /** Samples route states for every sample time in [fromMs, toMs], as they stand after the instant fromMs. */
  onInstantEnd (fromMs: number, toMs: number, speakerOf: (node: string) => Speaker | undefined): void {
    if (this.samples === 0) return
    const step = Math.max(1, this.endMs / this.samples)
    while (this.nextSampleMs <= toMs && this.routeStates.length <= this.samples) {
      const counts = { active: 0, suppressed: 0, stale: 0, unusable: 0 }
      for (const id of this.sampled) {
        const speaker = speakerOf(id)
        if (speaker === undefined) continue
        for (const v of speaker.routes(fromMs)) {
          if (!v.usable && v.state === 'active') counts.unusable++
          else counts[v.state]++
        }
      }
      this.routeStates.push({ atMs: Math.round(this.nextSampleMs), counts })
      this.nextSampleMs += step
    }
  }

  get sampledNodes (): number { return this.sampled.length }
}
