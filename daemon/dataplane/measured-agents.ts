/**
 * Measured metrics of this daemon's own agents (`agents[].metrics: measured`): every
 * task the origin serves feeds the agent's sliding window (agp/task/measured-window.ts);
 * when p50/p95 or the success rate leave the hysteresis band around what was last
 * advertised, the agent is re-advertised with the measured figures, so drift reaches
 * the federation (and is damped there like any change). Re-advertisements of one
 * agent are at least `minIntervalMs` apart.
 */
import type { Logger } from 'pino'
import type { HysteresisBand } from '../../agp/index.ts'
import { type MeasuredMetrics, MeasuredWindow, shouldAdvertise } from '../../agp/index.ts'
import type { DaemonFacade } from '../api/facade.ts'

export interface MeasuredAgentsComponents {
  readonly facade: Pick<DaemonFacade, 'putAgent' | 'agents'>
  readonly logger: Logger
  readonly nowMs: () => number
}

export class MeasuredAgents {
  private readonly windows = new Map<string, MeasuredWindow>()
  private readonly advertised = new Map<string, { metrics: MeasuredMetrics, atMs: number }>()
  private readonly writing = new Set<string>()

  /** `measured(agentId)`: whether the agent advertises measured figures. */
  constructor (
    private readonly c: MeasuredAgentsComponents,
    private readonly band: HysteresisBand,
    private readonly measured: (agentId: string) => boolean,
    private readonly minIntervalMs = 1000
  ) {}

  record (agentId: string, success: boolean, latencyMs: number): void {
    if (!this.measured(agentId)) return
    const nowMs = this.c.nowMs()
    let w = this.windows.get(agentId)
    if (w === undefined) { w = new MeasuredWindow(); this.windows.set(agentId, w) }
    w.record(success, latencyMs, nowMs)
    const metrics = w.metrics(nowMs)
    const last = this.advertised.get(agentId)
    if (metrics === undefined || this.writing.has(agentId)) return
    if (last !== undefined && nowMs - last.atMs < this.minIntervalMs) return
    if (!shouldAdvertise(last?.metrics, metrics, this.band)) return
    const agent = this.c.facade.agents().find((a) => a.id === agentId)
    if (agent === undefined) return
    this.writing.add(agentId)
    this.advertised.set(agentId, { metrics, atMs: nowMs })
    this.c.logger.info({ agent: agentId, latencyMs: metrics.latencyMs, winRate: metrics.winRate }, 'measured metrics left the band: re-advertising')
    void this.c.facade.putAgent({ ...agent, latencyMs: metrics.latencyMs, winRate: metrics.winRate })
      .catch((err: unknown) => { this.c.logger.warn({ agent: agentId, err: String(err) }, 're-advertising measured metrics failed') })
      .finally(() => { this.writing.delete(agentId) })
  }
}
