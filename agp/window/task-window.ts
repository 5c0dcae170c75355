/**
 * The tasks-in-flight window of one path, TCP's congestion window (RFC 5681) with
 * tasks in place of segments:
 *   - slow start: below `slowStartThreshold`, +1 per task completed under the SLO
 *     (the window doubles per window of tasks);
 *   - congestion avoidance: above it, +1/window per such task (+1 per window);
 *   - on a congestion signal: threshold and window × `decrease`, never below 1;
 *     only once per window of tasks (RFC 5681 §3.1, one reduction per RTT): a task
 *     that was already in flight when the window was cut says nothing new.
 * Pure: time comes in as `nowMs`.
 */
import type { WindowParams } from './params.ts'
import type { Signal } from './signals.ts'

/**
 * How long a cut window counts as congested without a window of good tasks to prove
 * otherwise: long enough for the work queued at the congested agent to drain, short
 * enough that the path is probed again soon (the pinned congestion example serves
 * ~20 % more on the preferred vendor with 2 s than with 5 s, at the same p95).
 */
export const CONGESTION_HOLD_MS = 2000

export interface TaskWindowState {
  /** Window size in tasks (real ≥ 1; `Math.floor` of it may be in flight). */
  readonly tasks: number
  readonly slowStartThreshold: number
  readonly inFlight: number
  /** When the window was last cut (−∞ when never). */
  readonly lastDecreaseMs: number
}

export class TaskWindow {
  private cwnd: number
  private ssthresh: number
  private flight = 0
  private lastDecreaseMs = -Infinity
  private successesSinceCut = 0
  private lastFinishMs = -Infinity
  private readonly initialTasks: number
  private readonly decrease: number
  private readonly maxTasks: number

  constructor (params: Pick<WindowParams, 'initialTasks' | 'slowStartThreshold' | 'decrease' | 'maxTasks'>) {
    this.maxTasks = Math.max(1, params.maxTasks)
    this.initialTasks = Math.min(this.maxTasks, Math.max(1, params.initialTasks))
    this.cwnd = this.initialTasks
    this.ssthresh = Math.max(1, params.slowStartThreshold)
    this.decrease = params.decrease
  }

  get tasks (): number { return this.cwnd }
  get inFlight (): number { return this.flight }

  /** One more task fits. */
  hasRoom (): boolean {
    return this.flight < Math.floor(this.cwnd)
  }

  /** A task leaves on this path. */
  start (): void {
    this.flight++
  }

  /** A task that started at `startedAtMs` finished; the signal says how it went. */
  finish (signal: Signal, startedAtMs: number, nowMs: number): void {
    this.flight = Math.max(0, this.flight - 1)
    this.lastFinishMs = Math.max(this.lastFinishMs, nowMs)
    if (signal === 'grow') {
      this.cwnd = Math.min(this.maxTasks, this.cwnd + (this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd))
      this.successesSinceCut++
    } else if (signal === 'congestion' && startedAtMs >= this.lastDecreaseMs) {
      this.ssthresh = Math.max(1, this.cwnd * this.decrease)
      this.cwnd = Math.max(1, this.cwnd * this.decrease)
      this.lastDecreaseMs = nowMs
      this.successesSinceCut = 0
    }
  }

  /**
   * Restart after idle (RFC 5681 §4.1): a path that carried nothing for longer than
   * `idleMs` goes back to min(window, initialTasks) and slow-starts to its threshold,
   * so a window earned under old conditions is not spent in one burst.
   */
  restartAfterIdle (nowMs: number, idleMs: number): void {
    if (this.flight === 0 && nowMs - this.lastFinishMs > idleMs) this.cwnd = Math.min(this.cwnd, this.initialTasks)
  }

  /** A task reserved but never sent (refused before it left): no signal. */
  cancel (): void {
    this.flight = Math.max(0, this.flight - 1)
  }

  /**
   * Cut, and not yet through a full window of tasks under the SLO since. A path that
   * gets no traffic after the cut stops counting as congested `holdMs` later, so a
   * path that ranks lower because of congestion is not kept there by that alone.
   */
  congested (nowMs: number, holdMs = CONGESTION_HOLD_MS): boolean {
    return this.lastDecreaseMs > -Infinity && this.successesSinceCut < Math.floor(this.cwnd) && nowMs - this.lastDecreaseMs < holdMs
  }

  state (): TaskWindowState {
    return { tasks: this.cwnd, slowStartThreshold: this.ssthresh, inFlight: this.flight, lastDecreaseMs: this.lastDecreaseMs }
  }
}
