/**
 * The congestion step of the local ranking: a path whose window this node cut (a
 * timeout, an overload answer, latency over the target) ranks below an uncongested
 * one for as long as it stays congested, whatever its score. A named step, so resolve
 * says why (`reason: 'uncongested-first'`), never a hidden score penalty. Local only:
 * it depends on this node's own traffic, so it must never enter the global order.
 */
import type { DecisionStep } from './step.ts'
import { trueFirst } from './step.ts'

export interface CongestionFacts {
  /** This node's window on the path was cut and has not recovered (unset: false). */
  readonly congested?: boolean
}

export const uncongestedFirst: DecisionStep<CongestionFacts> = {
  name: 'uncongested-first',
  rfc: 'RFC 5681 §3.1 (a sender backs off a congested path); RFC 3168 §5 (explicit congestion marks); local, as RFC 4271 §9.1.1 degree of preference',
  compare: (a, b) => trueFirst(a.congested !== true, b.congested !== true)
}
