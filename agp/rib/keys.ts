/**
 * RIB keys. A path id (origin org, agent id) is unique per capability; the same agent
 * may move to another capability (an upsert that changes it), and for a while both
 * may be in flight. Outbound state is keyed by (capability, path id) so such a move
 * is an ordinary withdraw of one key plus an announce of another.
 */
import { routePathKey, type PathKey, type Route } from '../route/route.ts'

export type RibKey = string

export function ribKey (capability: string, path: PathKey): RibKey {
  // A space appears neither in a capability nor in a path key. join() builds one flat
  // string: a concatenation would keep a rope object besides it in every table it keys.
  return [capability, path].join(' ')
}

export function splitRibKey (key: RibKey): { capability: string, path: PathKey } {
  const i = key.indexOf(' ')
  return { capability: key.slice(0, i), path: key.slice(i + 1) }
}

/**
 * A RibKey with its parts, built once and shared by every neighbor it is queued for.
 * `atGeneration`/`copy`/`source`/`plan` remember the Loc-RIB's exported copy for the
 * key (where it came from, and the neighbor-independent part of the export decision) as of a Loc-RIB generation (LocRib.generation),
 * so the neighbors flushed before the next commit look it up once.
 */
export interface RibPath {
  readonly key: RibKey
  readonly capability: string
  readonly path: PathKey
  atGeneration: number
  copy: unknown
  source: unknown
  plan: unknown
}

export function ribPath (capability: string, path: PathKey, key: RibKey = ribKey(capability, path)): RibPath {
  return { key, capability, path, atGeneration: -1, copy: undefined, source: undefined, plan: undefined }
}

// Signed attributes are immutable and, in a simulation, one object is shared by every
// node that holds the route: one key string per advertisement instead of one per node
// and lookup. A WeakMap holds nothing alive once the route is gone.
const pathKeyCache = new WeakMap<Route['attrs'], PathKey>()

/**
 * routePathKey(route): the key already built for its advertisement, else a new one,
 * not remembered. For callers that keep the key themselves (a reflector's route memo):
 * a table of routes received from elsewhere does not also fill the WeakMap.
 */
export function peekPathKeyOf (route: Route): PathKey {
  return pathKeyCache.get(route.attrs) ?? routePathKey(route)
}

/** routePathKey(route), built once per advertisement. */
export function pathKeyOf (route: Route): PathKey {
  let key = pathKeyCache.get(route.attrs)
  if (key === undefined) {
    key = routePathKey(route)
    pathKeyCache.set(route.attrs, key)
  }
  return key
}
