/**
 * A token bucket of `ratePerS` tokens a second holding at most `burst`: the bound on
 * outcomes shared with, and taken from, one site. Time comes in as ms.
 */
export class TokenBucket {
  private tokens: number
  private lastMs: number

  constructor (private readonly ratePerS: number, private readonly burst: number, nowMs: number) {
    this.tokens = burst
    this.lastMs = nowMs
  }

  /** Takes up to `n` tokens; returns how many it took. */
  take (n: number, nowMs: number): number {
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, nowMs - this.lastMs) * this.ratePerS / 1000)
    this.lastMs = Math.max(this.lastMs, nowMs)
    const taken = Math.min(n, Math.floor(this.tokens))
    this.tokens -= taken
    return taken
  }
}
