/**
 * A candidate of the local ranking: one copy of a path as this node holds it, with
 * the local facts the caller computed. Shared by local-rank.ts and collapse-copies.ts.
 */
import type { Route } from '../route/route.ts'
import { higherFirst, trueFirst, type DecisionStep } from './step.ts'

export interface LocalCandidate {
  readonly route: Route
  /** Neighbor the copy came from; '' for a local agent. */
  readonly fromPeer: string
  /** Not suppressed, not expired, valid signature, accepted by policy (the caller decides). */
  readonly usable: boolean
  /** Local preference set by import policy (higher is better). */
  readonly localPref: number
  /** Past the stale age, or kept over a graceful restart. */
  readonly stale: boolean
  /** Learned over an internal session (another site of our org); absent = false. */
  readonly internal?: boolean
}

export const usableFirst: DecisionStep<LocalCandidate> = {
  name: 'usable-first',
  rfc: 'RFC 4271 §9.1.2 (unusable routes are excluded from selection); RFC 2439 (suppressed routes are not used)',
  compare: (a, b) => trueFirst(a.usable, b.usable)
}

export const higherLocalPref: DecisionStep<LocalCandidate> = {
  name: 'higher-local-pref',
  rfc: 'RFC 4271 §9.1.1 (degree of preference, LOCAL_PREF §5.1.5)',
  compare: (a, b) => higherFirst(a.localPref, b.localPref)
}

export const freshBeforeStale: DecisionStep<LocalCandidate> = {
  name: 'fresh-before-stale',
  rfc: 'RFC 9494 (stale routes are least preferred); RFC 4724 (stale routes kept across a restart)',
  compare: (a, b) => trueFirst(!a.stale, !b.stale)
}
