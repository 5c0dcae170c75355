/**
 * Is a re-announcement a metric refresh or an attribute change? Origins re-advertise
 * every refresh interval with freshly measured metrics; if every wobble counted as an
 * attribute change (500 each with the defaults), a healthy, chatty agent would be
 * suppressed in about 16 minutes (docs/damping.md). Changes inside the hysteresis band
 * are therefore refreshes and add no penalty.
 */
import type { HysteresisBand } from '../params.ts'
import type { RouteAttributes } from '../route/route.ts'

export type ChangeKind = 'refresh' | 'change'

/**
 * 'refresh' when only metrics moved, each inside the band: relative change below
 * `costRel` for cost, below `latencyRel` for each of p50 and p95, and an absolute
 * change below `winRateAbs` in the win-rate mean wins/trials. Anything else (a metric
 * beyond the band, or another endpoint, region, tag set, capability or origin) is a
 * 'change'. Bookkeeping fields (originSeq, originatedAtMs, measuredAtMs) are ignored:
 * they move on every re-advertisement by design.
 */
export function classifyChange (prev: RouteAttributes, next: RouteAttributes, band: HysteresisBand): ChangeKind {
  if (!sameIdentity(prev, next)) return 'change'
  if (!withinRel(prev.costUsd, next.costUsd, band.costRel)) return 'change'
  if (!withinRel(prev.latencyMs.p50, next.latencyMs.p50, band.latencyRel)) return 'change'
  if (!withinRel(prev.latencyMs.p95, next.latencyMs.p95, band.latencyRel)) return 'change'
  if (!winRateWithin(prev.winRate, next.winRate, band.winRateAbs)) return 'change'
  return 'refresh'
}

function sameIdentity (a: RouteAttributes, b: RouteAttributes): boolean {
  return a.capability === b.capability && a.originOrg === b.originOrg && a.agentId === b.agentId &&
    a.originPeerId === b.originPeerId && a.endpoint === b.endpoint && a.region === b.region &&
    sameTagSet(a.tags, b.tags)
}

function sameTagSet (a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a)
  const sb = new Set(b)
  return sa.size === sb.size && [...sa].every((t) => sb.has(t))
}

/**
 * |next − prev| / |prev| < rel, with the previous value as the baseline. A zero
 * baseline has no relative scale: 0 → 0 is no change, 0 → anything else is a change.
 * Non-finite values are always a change (conservative: never hide garbage as a refresh).
 */
export function withinRel (prev: number, next: number, rel: number): boolean {
  if (!Number.isFinite(prev) || !Number.isFinite(next)) return false
  if (prev === next) return true
  if (prev === 0) return false
  return Math.abs(next - prev) / Math.abs(prev) < rel
}

/**
 * Win-rate means differ by less than `abs`. No trials means no evidence, not a 0 % mean:
 * no evidence on both sides is no change; evidence appearing or vanishing is a change.
 */
function winRateWithin (prev: { wins: number, trials: number }, next: { wins: number, trials: number }, abs: number): boolean {
  const a = winRateMean(prev)
  const b = winRateMean(next)
  if (a === undefined || b === undefined) return a === b
  return Math.abs(b - a) < abs
}

function winRateMean (w: { wins: number, trials: number }): number | undefined {
  if (!(w.trials > 0) || !Number.isFinite(w.wins) || !Number.isFinite(w.trials)) return undefined
  return w.wins / w.trials
}
