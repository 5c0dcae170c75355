/**
 * Layer 1: the global order. A strict total order over distinct path ids computed
 * only from what the origin signed, so every node (origin, reflector, consumer) ranks
 * the same set of paths identically. A reflector that must choose among paths (the
 * per-capability cap) uses this order and nothing else: with no viewer-dependent term,
 * reflection cannot oscillate the way RFC 3345 describes (see docs/decision-process.md).
 *
 * The score weights are DEFAULT_SCORE_WEIGHTS, a protocol constant: a node with its
 * own weights would have its own order, which is exactly what must not happen here.
 */
import type { Route } from '../route/route.ts'
import { globalScore } from './score.ts'
import { compareStrings, decide, higherFirst, type Decision, type DecisionStep } from './step.ts'

/** Score resolution: scores are compared on a 1e-12 grid. */
export const SCORE_RESOLUTION = 1e-12

/**
 * Scores within one grid cell compare equal, so float noise in the last bits cannot
 * flip two practically equal routes. A grid, not "|a − b| < ε": ε-equality is not
 * transitive (0 ≈ 0.6e-12 ≈ 1.2e-12 but 0 < 1.2e-12), and the order must be.
 */
export function quantizeScore (score: number): number {
  return Math.floor(score / SCORE_RESOLUTION)
}

// Attributes are immutable after origination: their score key is cached on the object,
// under a non-enumerable symbol (a spread copy does not take it, JSON and deep equality
// do not see it), and lives as long as it. Not a WeakMap of every attributes object
// alive: its lookups were cache misses in the Loc-RIB's binary searches. Frozen
// attributes (which cannot take a property) use one.
const SCORE_KEY = Symbol('global score key')
const frozenScores = new WeakMap<object, number>()

export function cachedGlobalScoreKey (route: Route): number {
  const attrs = route.attrs as Route['attrs'] & { readonly [SCORE_KEY]?: number }
  const held = attrs[SCORE_KEY]
  if (held !== undefined) return held
  if (!Object.isExtensible(attrs)) {
    let k = frozenScores.get(attrs)
    if (k === undefined) frozenScores.set(attrs, k = quantizeScore(globalScore(attrs)))
    return k
  }
  const k = quantizeScore(globalScore(attrs))
  Object.defineProperty(attrs, SCORE_KEY, { value: k })
  return k
}

export const higherScore: DecisionStep<Route> = {
  name: 'higher-score',
  rfc: 'RFC 4271 §9.1.1 (degree of preference from attributes alone); origin-signed, hence identical on every node',
  compare: (a, b) => higherFirst(cachedGlobalScoreKey(a), cachedGlobalScoreKey(b))
}

export const lowerOriginatorId: DecisionStep<Route> = {
  name: 'lower-originator-id',
  rfc: 'RFC 4271 §9.1.2.2 f) with RFC 4456 §9 (ORIGINATOR_ID as BGP Identifier)',
  // The origin's own peer id: route.originatorId is set by the first reflector and so
  // is not known at the origin; attrs.originPeerId is signed and the same everywhere.
  compare: (a, b) => compareStrings(a.attrs.originPeerId, b.attrs.originPeerId)
}

export const lowerPathId: DecisionStep<Route> = {
  name: 'lower-path-id',
  rfc: 'RFC 4271 §9.1.2.2 g) (final deterministic tie-break); path id as RFC 7911',
  compare: (a, b) => compareStrings(a.attrs.originOrg, b.attrs.originOrg) || compareStrings(a.attrs.agentId, b.attrs.agentId)
}

export const GLOBAL_STEPS: readonly DecisionStep<Route>[] = Object.freeze([higherScore, lowerOriginatorId, lowerPathId])

/** Negative when a ranks above b. 0 only for two copies of one path id with equal scores. */
export function compareGlobal (a: Route, b: Route): number {
  // GLOBAL_STEPS inlined (same steps, same order): this runs inside every sort and
  // binary search of a Loc-RIB, and the generic loop costs more than the comparisons.
  if (a.attrs !== b.attrs) {
    const s = higherFirst(cachedGlobalScoreKey(a), cachedGlobalScoreKey(b))
    if (s !== 0) return s
  }
  return compareStrings(a.attrs.originPeerId, b.attrs.originPeerId) ||
    compareStrings(a.attrs.originOrg, b.attrs.originOrg) || compareStrings(a.attrs.agentId, b.attrs.agentId)
}

export function decideGlobal (a: Route, b: Route): Decision {
  return decide(GLOBAL_STEPS, a, b)
}
