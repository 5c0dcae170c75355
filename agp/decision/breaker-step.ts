/**
 * The circuit-breaker step of the local ranking: a path whose breaker is open (the
 * consumer reported BREAKER_FAILURES failures in a row, agp/winrate/local-outcomes.ts)
 * ranks below every path whose breaker is closed or half-open, whatever its score,
 * local preference or freshness — only "usable" comes first. A named step, so resolve
 * says why (`reason: 'breaker-closed-first'`), never a hidden score penalty. Local only:
 * it depends on this node's own consumers, so it must never enter the global order.
 */
import type { DecisionStep } from './step.ts'
import { trueFirst } from './step.ts'

export interface BreakerFacts {
  /** The consumer's breaker for this path is open (unset: false). */
  readonly breakerOpen?: boolean
}

export const breakerClosedFirst: DecisionStep<BreakerFacts> = {
  name: 'breaker-closed-first',
  rfc: 'none: consecutive-failure ejection with a half-open probe (circuit breaker; Envoy outlier detection); local, as RFC 4271 §9.1.1 degree of preference',
  compare: (a, b) => trueFirst(a.breakerOpen !== true, b.breakerOpen !== true)
}
