/**
 * Session uptime for people (`atp peers`, the looking glass). Kept apart from views.ts so
 * `atp peers` formats it without loading the agp core at start.
 */

/** A session's uptime as `1d2h`, `3h4m`, `5m6s` or `7s`; '' while it is down. */
export function formatUptime (establishedAtMs: number | undefined, nowMs: number): string {
  if (establishedAtMs === undefined) return ''
  const s = Math.max(0, Math.floor((nowMs - establishedAtMs) / 1000))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d${h}h`
  if (h > 0) return `${h}h${m}m`
  if (m > 0) return `${m}m${s % 60}s`
  return `${s}s`
}
