/**
 * The window triplet of one path as seen by one consumer org: tasks in flight, tokens
 * per minute, dollars per minute. A task is admitted only when every dimension has
 * room; its outcome moves all three the same way (AIMD), so the dimension that binds
 * is the one that limits the path.
 */
import type { WindowParams } from './params.ts'
import { RateWindow, type RateWindowState } from './rate-window.ts'
import { signalOf, sanitizeUsage, type TaskOutcome, type Usage } from './signals.ts'
import { TaskWindow, type TaskWindowState } from './task-window.ts'

export interface PathWindowView {
  /** Window in tasks, floored: how many may be in flight. */
  readonly tasks: number
  readonly inFlight: number
  /** Current limits (null: unbounded). */
  readonly tokensPerMinute: number | null
  readonly usdPerMinute: number | null
  readonly congested: boolean
}

export interface PathWindowState {
  readonly tasks: TaskWindowState
  readonly tokens: RateWindowState
  readonly usd: RateWindowState
}

/** Which dimension has no room (the first found, in triplet order). */
export type FullDimension = 'tasks' | 'tokens' | 'usd'

export class PathWindow {
  readonly taskWindow: TaskWindow
  readonly tokenWindow: RateWindow
  readonly usdWindow: RateWindow
  private readonly decrease: number
  private goodInWindow = 0

  constructor (params: WindowParams, ceilings: { tokensPerMinute?: number, usdPerMinute?: number } = {}) {
    this.taskWindow = new TaskWindow(params)
    this.tokenWindow = new RateWindow(ceilings.tokensPerMinute ?? Infinity)
    this.usdWindow = new RateWindow(ceilings.usdPerMinute ?? Infinity)
    this.decrease = params.decrease
  }

  /**
   * The first dimension without room for `estimate`, or undefined when the task fits.
   * `idleMs` (the path's latency target, as TCP's RTO) restarts an idle window first.
   */
  full (estimate: Usage, nowMs: number, idleMs = Infinity): FullDimension | undefined {
    this.taskWindow.restartAfterIdle(nowMs, idleMs)
    if (!this.taskWindow.hasRoom()) return 'tasks'
    if (!this.tokenWindow.hasRoom(estimate.tokens, nowMs)) return 'tokens'
    if (!this.usdWindow.hasRoom(estimate.usd, nowMs)) return 'usd'
    return undefined
  }

  reserve (estimate: Usage): void {
    this.taskWindow.start()
    this.tokenWindow.reserve(estimate.tokens)
    this.usdWindow.reserve(estimate.usd)
  }

  /** Settle a task that left at `startedAtMs` with its reserved `estimate`. */
  settle (estimate: Usage, outcome: TaskOutcome, sloMs: number, startedAtMs: number, nowMs: number): Usage {
    const actual = sanitizeUsage(outcome.usage, estimate)
    const signal = signalOf(outcome, sloMs)
    this.tokenWindow.settle(estimate.tokens, actual.tokens, nowMs)
    this.usdWindow.settle(estimate.usd, actual.usd, nowMs)
    if (signal === 'congestion' && startedAtMs >= this.taskWindow.state().lastDecreaseMs) {
      this.tokenWindow.shrink(this.decrease, nowMs)
      this.usdWindow.shrink(this.decrease, nowMs)
      this.goodInWindow = 0
    } else if (signal === 'grow' && ++this.goodInWindow >= Math.floor(this.taskWindow.tasks)) {
      this.tokenWindow.grow()
      this.usdWindow.grow()
      this.goodInWindow = 0
    }
    this.taskWindow.finish(signal, startedAtMs, nowMs)
    return actual
  }

  /** A reserved task that never left (refused by a budget or the origin before sending). */
  cancel (estimate: Usage): void {
    this.taskWindow.cancel()
    this.tokenWindow.settle(estimate.tokens, 0, 0)
    this.usdWindow.settle(estimate.usd, 0, 0)
  }

  setCeilings (ceilings: { tokensPerMinute?: number, usdPerMinute?: number }): void {
    this.tokenWindow.setCeiling(ceilings.tokensPerMinute ?? Infinity)
    this.usdWindow.setCeiling(ceilings.usdPerMinute ?? Infinity)
  }

  idle (): boolean {
    return this.taskWindow.inFlight === 0
  }

  view (nowMs: number): PathWindowView {
    const finite = (x: number): number | null => Number.isFinite(x) ? x : null
    return {
      tasks: Math.floor(this.taskWindow.tasks),
      inFlight: this.taskWindow.inFlight,
      tokensPerMinute: finite(this.tokenWindow.limit),
      usdPerMinute: finite(this.usdWindow.limit),
      congested: this.taskWindow.congested(nowMs)
    }
  }

  state (nowMs: number): PathWindowState {
    return { tasks: this.taskWindow.state(), tokens: this.tokenWindow.state(nowMs), usd: this.usdWindow.state(nowMs) }
  }
}
