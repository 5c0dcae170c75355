/**
 * Amounts spent over the last minute, in 60 one-second slots (a fixed ring, so memory
 * is bounded whatever the traffic). An amount counts until 60 s after the second it
 * was added in.
 */
export const MINUTE_MS = 60_000
const SLOT_MS = 1000
const SLOTS = MINUTE_MS / SLOT_MS

export class MinuteUsage {
  private readonly sums = new Float64Array(SLOTS)
  private readonly seconds = new Float64Array(SLOTS).fill(-Infinity)

  add (amount: number, nowMs: number): void {
    if (!(amount > 0)) return
    const sec = Math.floor(nowMs / SLOT_MS)
    const i = ((sec % SLOTS) + SLOTS) % SLOTS
    if (this.seconds[i] !== sec) {
      this.seconds[i] = sec
      this.sums[i] = 0
    }
    this.sums[i] = (this.sums[i] as number) + amount
  }

  /** Sum over the 60 s ending at nowMs. */
  total (nowMs: number): number {
    const sec = Math.floor(nowMs / SLOT_MS)
    let sum = 0
    for (let i = 0; i < SLOTS; i++) {
      const s = this.seconds[i] as number
      if (s > sec - SLOTS && s <= sec) sum += this.sums[i] as number
    }
    return sum
  }

  /** When the oldest amount still counted leaves the minute (nowMs when nothing is counted). */
  nextExpiryMs (nowMs: number): number {
    const sec = Math.floor(nowMs / SLOT_MS)
    let oldest = Infinity
    for (let i = 0; i < SLOTS; i++) {
      const s = this.seconds[i] as number
      if (s > sec - SLOTS && s <= sec && (this.sums[i] as number) > 0) oldest = Math.min(oldest, s)
    }
    return oldest === Infinity ? nowMs : (oldest + SLOTS) * SLOT_MS
  }
}
