/**
 * ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8): the two attributes that keep
 * reflection loop-free inside a federation.
 */
import { routeLists, routeStrings, type Route } from '../agp/index.ts'

export interface ReflectContext {
  /** Our cluster id. */
  readonly cluster: string
  /** Peer id of the neighbor we learned the route from. */
  readonly learnedFrom: string
}

/**
 * The route as a reflector passes it on: ORIGINATOR_ID set to the neighbor we learned
 * it from when still unset (normally the origin daemon, attrs.originPeerId), never
 * overwritten once set; our cluster id prepended to CLUSTER_LIST. The signed half
 * (attrs, attrsBytes, signature) is relayed untouched. The new cluster list is the
 * interned one (agp's routeLists): a reflector's routes share a few.
 */
export function reflectRoute (route: Route, ctx: ReflectContext): Route {
  return { ...route, originatorId: reflectedOriginatorId(route, ctx), clusterList: routeLists.intern([ctx.cluster, ...route.clusterList], routeStrings) }
}

/** The ORIGINATOR_ID reflectRoute() gives the route. */
export function reflectedOriginatorId (route: Route, ctx: ReflectContext): string {
  return route.originatorId === '' ? ctx.learnedFrom : route.originatorId
}

export type ReflectionLoop = 'cluster-list-loop' | 'originator-id-loop'

/**
 * RFC 4456 §8 on import: a route whose CLUSTER_LIST holds our cluster id went around
 * a reflection loop; a route whose ORIGINATOR_ID is our own peer id is our own route
 * coming back. Both are dropped (and counted by the caller). A node without a
 * cluster (a non-reflector) checks only the originator id.
 */
export function reflectionLoop (route: Route, self: { readonly peerId: string, readonly cluster?: string }): ReflectionLoop | undefined {
  if (self.cluster !== undefined && self.cluster !== '' && route.clusterList.includes(self.cluster)) return 'cluster-list-loop'
  if (route.originatorId !== '' && route.originatorId === self.peerId) return 'originator-id-loop'
  return undefined
}
