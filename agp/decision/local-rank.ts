/**
 * Layer 2: a node's local ranking, for resolve, for `best` in GET /v1/routes and for
 * display. Local terms (policy's local preference, what this node can use, how old
 * the advertisement is here) come first; the global order breaks the remaining ties,
 * so two nodes with the same local view rank identically.
 *
 * Local ranking never feeds propagation: a reflector chooses what to propagate with
 * the global order only (global-order.ts).
 */
import { freshBeforeStale, higherLocalPref, usableFirst, type LocalCandidate } from './candidate.ts'
import { compareGlobal, GLOBAL_STEPS } from './global-order.ts'
import { decide, decideReason, higherFirst, rankBy, type Decision, type DecisionStep, type Ranked } from './step.ts'

export type { LocalCandidate } from './candidate.ts'
export { freshBeforeStale, higherLocalPref, usableFirst } from './candidate.ts'

/** The global steps, lifted to candidates (same names, so the reason reads the same). */
export const GLOBAL_CANDIDATE_STEPS: readonly DecisionStep<LocalCandidate>[] = Object.freeze(
  GLOBAL_STEPS.map((s): DecisionStep<LocalCandidate> => ({
    name: s.name,
    ...(s.rfc === undefined ? {} : { rfc: s.rfc }),
    compare: (a, b) => s.compare(a.route, b.route)
  }))
)

export const LOCAL_STEPS: readonly DecisionStep<LocalCandidate>[] = Object.freeze([
  usableFirst, higherLocalPref, freshBeforeStale, ...GLOBAL_CANDIDATE_STEPS
])

export function compareLocal (a: LocalCandidate, b: LocalCandidate): number {
  // LOCAL_STEPS inlined (same steps, same order) for sorts.
  if (a.usable !== b.usable) return a.usable ? -1 : 1
  const pref = higherFirst(a.localPref, b.localPref)
  if (pref !== 0) return pref
  if (a.stale !== b.stale) return a.stale ? 1 : -1
  return compareGlobal(a.route, b.route)
}

export function decideLocal (a: LocalCandidate, b: LocalCandidate): Decision {
  return decide(LOCAL_STEPS, a, b)
}

/** decideLocal(a, b).reason, without allocating. */
export function localReason (a: LocalCandidate, b: LocalCandidate): string {
  return decideReason(LOCAL_STEPS, a, b)
}

/** Candidates best first, each with the step that placed it below the one above. */
export function rankLocal (cands: readonly LocalCandidate[]): Ranked<LocalCandidate>[] {
  return rankBy(LOCAL_STEPS, cands)
}

export { collapseCopies, COPY_STEPS } from './collapse-copies.ts'
