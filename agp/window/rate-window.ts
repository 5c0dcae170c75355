/**
 * A per-minute window on one usage dimension (tokens or dollars) of one path. The
 * estimate is reserved before a task leaves and settled with the reported usage when
 * it ends; the room is `limit − (settled over the last minute + outstanding
 * reservations)`; a lone task always fits, as the task window never goes below one.
 * The limit follows AIMD like the task window, between the `ceiling` (the consumer's
 * budget per minute) and one task's worth: +one task's average usage per window of
 * good tasks, × `decrease` on congestion (from what was really in use, as TCP sets its
 * window from the flight size). Without a ceiling the limit stays unbounded and the
 * task window alone answers congestion: a cut taken from a minute of settled usage,
 * which keeps counting for 60 s, would idle the path long after the congestion passed.
 */
import { MinuteUsage } from './minute-usage.ts'

/** Weight of the newest task in the running average of usage per task. */
const AVERAGE_WEIGHT = 0.2

export interface RateWindowState {
  readonly limit: number
  readonly ceiling: number
  readonly usedLastMinute: number
  readonly reserved: number
}

export class RateWindow {
  private readonly used = new MinuteUsage()
  private reservedSum = 0
  private limitValue: number
  private ceilingValue: number
  private averageTask = 0

  constructor (ceiling: number) {
    this.ceilingValue = sanitizeCeiling(ceiling)
    this.limitValue = this.ceilingValue
  }

  get limit (): number { return this.limitValue }
  get ceiling (): number { return this.ceilingValue }

  /** A new ceiling (the budget changed); the limit never stays above it. */
  setCeiling (ceiling: number): void {
    this.ceilingValue = sanitizeCeiling(ceiling)
    this.limitValue = Math.min(this.limitValue, this.ceilingValue)
  }

  /** In use now: settled over the last minute plus outstanding reservations. */
  inUse (nowMs: number): number {
    return this.used.total(nowMs) + this.reservedSum
  }

  /** `amount` more fits, or nothing at all is in use (a lone task always fits the window). */
  hasRoom (amount: number, nowMs: number): boolean {
    const inUse = this.inUse(nowMs)
    return inUse <= 0 || inUse + amount <= this.limitValue
  }

  reserve (amount: number): void {
    this.reservedSum += Math.max(0, amount)
  }

  /** Drop a reservation and count what the task really used. */
  settle (reserved: number, actual: number, nowMs: number): void {
    this.reservedSum = Math.max(0, this.reservedSum - Math.max(0, reserved))
    this.used.add(actual, nowMs)
    if (actual > 0) this.averageTask = this.averageTask === 0 ? actual : this.averageTask + AVERAGE_WEIGHT * (actual - this.averageTask)
  }

  /** One window of good tasks completed. */
  grow (): void {
    if (this.limitValue === Infinity) return
    this.limitValue = Math.min(this.ceilingValue, this.limitValue + this.averageTask)
  }

  /** A congestion signal: cut the limit from what was really in use. */
  shrink (decrease: number, nowMs: number): void {
    if (this.ceilingValue === Infinity) return
    const base = Math.min(this.limitValue, this.inUse(nowMs))
    const floor = Math.min(this.averageTask, this.ceilingValue)
    this.limitValue = Math.min(this.ceilingValue, Math.max(floor, base * decrease))
  }

  /** When room can next appear without a settlement (settled usage leaving the minute). */
  nextRoomMs (nowMs: number): number {
    return this.used.nextExpiryMs(nowMs)
  }

  state (nowMs: number): RateWindowState {
    return { limit: this.limitValue, ceiling: this.ceilingValue, usedLastMinute: this.used.total(nowMs), reserved: this.reservedSum }
  }
}

function sanitizeCeiling (c: number): number {
  return c >= 0 ? c : Infinity
}
