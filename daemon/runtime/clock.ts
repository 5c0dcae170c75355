/**
 * The system Clock port. Epoch-aligned at start (routes carry `originatedAtMs`, which
 * other nodes age against their own clocks) and monotonic after that: a wall-clock step
 * backwards (NTP, an operator) must never make timers or damping decay run backwards.
 */
import type { Clock } from '../../kernel/index.ts'

export function systemClock (): Clock {
  const origin = performance.timeOrigin
  let last = 0
  return {
    nowMs (): number {
      const now = Math.floor(origin + performance.now())
      // performance.now() is monotonic already; the guard keeps floor() from ever
      // handing out a smaller value after rounding.
      if (now > last) last = now
      return last
    }
  }
}
