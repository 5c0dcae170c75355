/**
 * What a received advertisement (one Route object) needs on every node: its path key
 * and the immutable values built from it. In a simulation one advertisement object
 * reaches thousands of nodes from the same neighbor, nearly all with the default
 * flags: they share one candidate instead of holding millions
 * of equal ones; a reflector keeps here the reflected form it sends every client. A
 * WeakMap: bounded by the routes alive, one entry per route.
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

const memos = new WeakMap<Route, RouteMemo>()

export function memoOf (route: Route): RouteMemo {
  let m = memos.get(route)
  if (m === undefined) {
    m = { path: peekPathKeyOf(route), candidate: undefined, verifiedBy: undefined, reflected: undefined }
    memos.set(route, m)
  }
  return m
}
