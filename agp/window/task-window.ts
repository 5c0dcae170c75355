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

/** How long a cut window counts as congested without traffic to prove otherwise. */
export const CONGESTION_HOLD_MS = 60_000

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
  private readonly decrease: number
  private readonly maxTasks: number

  constructor (params: Pick<WindowParams, 'initialTasks' | 'slowStartThreshold' | 'decrease' | 'maxTasks'>) {
    this.maxTasks = Math.max(1, params.maxTasks)
    this.cwnd = Math.min(this.maxTasks, Math.max(1, params.initialTasks))
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
