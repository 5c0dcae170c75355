/**
 * What a received advertisement (one Route object) needs on every node: its path key
 * and the immutable values built from it. In a simulation one advertisement object
 * reaches thousands of nodes from the same neighbor, nearly all with the default
 * flags: they share one candidate instead of holding millions
 * of equal ones; a reflector keeps here the reflected form it sends every client.
 *
 * Held by the route object itself, under a non-enumerable symbol (invisible to JSON,
 * Object.keys and deep equality), so it lives and dies with the route: a WeakMap lookup
 * per received route was a cache miss into a table of every route alive (4 % of a
 * 10,000-node simulation), while the route object is already at hand. A route that
 * cannot take a property (frozen) keeps its memo in a WeakMap instead.
 */
import { type PathCandidate, type PathKey, peekPathKeyOf, type Route } from '../agp/index.ts'
import type { Verifier } from '../kernel/index.ts'

export interface RouteMemo {
  readonly path: PathKey
  candidate: PathCandidate | undefined
  /** A verifier that accepted the route's origin signature. */
  verifiedBy: Verifier | undefined
  /** The route as a reflector last passed it on (export.ts reflectedFor; it checks it still fits). */
  reflected: Route | undefined
}

const MEMO = Symbol('route memo')

type Memoized = Route & { readonly [MEMO]?: RouteMemo }

const frozenMemos = new WeakMap<Route, RouteMemo>()

export function memoOf (route: Route): RouteMemo {
  const held = (route as Memoized)[MEMO]
  if (held !== undefined) return held
  if (!Object.isExtensible(route)) {
    let m = frozenMemos.get(route)
    if (m === undefined) frozenMemos.set(route, m = newMemo(route))
    return m
  }
  const m = newMemo(route)
  Object.defineProperty(route, MEMO, { value: m })
  return m
}

function newMemo (route: Route): RouteMemo {
  return { path: peekPathKeyOf(route), candidate: undefined, verifiedBy: undefined, reflected: undefined }
}
