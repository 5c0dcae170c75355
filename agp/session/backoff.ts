/**
 * Reconnect backoff: base × 2^attempt, jittered ±50 % so that neighbors that lost
 * each other at once do not redial in lockstep, capped at maxBackoffMs. With the
 * default 500 ms base (agp/params.ts) the first retry comes within 250–750 ms.
 */
import type { Random } from '../../kernel/index.ts'

export function backoffDelayMs (attempt: number, baseMs: number, maxMs: number, random: Random): number {
  // 2^attempt overflows nothing: the exponent is clamped well before it matters.
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30))
  const jittered = raw * (0.5 + random.next())
  return Math.max(1, Math.min(maxMs, Math.round(jittered)))
}
