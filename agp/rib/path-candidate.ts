/**
 * One copy of a path as the Loc-RIB holds it, shared by the table (loc-rib.ts) and
 * the orders it is kept in (selection-order.ts).
 */
import type { LocalCandidate } from '../decision/local-rank.ts'
import type { PathKey } from '../route/route.ts'

/** A Loc-RIB copy: the decision's candidate plus why it is not usable, for views. */
export interface PathCandidate extends LocalCandidate {
  /** Damped (RFC 2439): unusable until reuse. */
  readonly suppressed: boolean
  /** routePathKey(route), when the caller has it at hand (saves building the string again). */
  readonly path?: PathKey
}
