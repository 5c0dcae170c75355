/**
 * The per-neighbor export decision, in order (the first step that refuses names the
 * reason):
 *
 *   1. usable        not suppressed, expired or invalid (a damped route is not reflected)
 *   2. split horizon never back to the neighbor we learned it from, nor to its origin
 *   3. reflection    RFC 4456 §6 by neighbor roles (reflection.ts)
 *   4. interests     the neighbor's capability prefixes (interests.ts)
 *   5. policy        export rules and built-ins (agp/policy: partner → partner needs a
 *                    rule, no-export stops at the first hop, org-path loop prevention)
 *
 * then the path attributes are rewritten for the wire:
 *   - reflection (a reflector passing on a learned route): ORIGINATOR_ID set once,
 *     cluster id prepended (cluster-list.ts). Reflectors add to the cluster list, never
 *     to the org path: a federation's reflectors are not an org on the way.
 *   - org path: a route leaving our org towards another org's daemon over a partner
 *     session, or from a non-reflector, gets our org prepended unless it is already
 *     first (our own routes start with it).
 */
import type { NeighborRole, SpeakerRole } from '../agp/codec/frame.ts'
import { evaluateExport, evaluateExportWithoutRules } from '../agp/policy/policy.ts'
import type { PolicyConfig } from '../agp/policy/types.ts'
import { effectiveTags, NO_EXPORT_TAG, type Route } from '../agp/route/route.ts'
import { reflectRoute } from './cluster-list.ts'
import { isReflection, mayAdvertise, type RouteSource } from './reflection.ts'
import { matchesInterests } from '../agp/capability/grammar.ts'

export interface ExportSelf {
  readonly role: SpeakerRole
  readonly org: string
  readonly peerId: string
  /** Our cluster id (reflectors). */
  readonly cluster?: string
  readonly policy: PolicyConfig
}

export interface ExportNeighbor {
  readonly peerId: string
  readonly org: string
  readonly role: NeighborRole
  readonly interests: readonly string[]
}

/** Where the Loc-RIB path came from. */
export interface ExportSource {
  /** Neighbor peer id; '' for a local agent. */
  readonly fromPeer: string
  readonly fromRole: RouteSource
  /** Org of that neighbor (our org for a local agent). */
  readonly fromOrg: string
  readonly usable: boolean
}

export type ExportDecision =
  | { readonly accept: true, readonly route: Route }
  | { readonly accept: false, readonly reason: string }

export function exportRoute (self: ExportSelf, to: ExportNeighbor, route: Route, from: ExportSource): ExportDecision {
  const out = decideExport(self, to, route, from)
  return typeof out === 'string' ? { accept: false, reason: out } : { accept: true, route: out }
}

/** exportRoute() without the decision object: the route to send, or undefined. For the Speaker's flush loop. */
export function exportedRoute (self: ExportSelf, to: ExportNeighbor, route: Route, from: ExportSource): Route | undefined {
  const out = decideExport(self, to, route, from)
  return typeof out === 'string' ? undefined : out
}

/** The route to send, or the reason it is not sent. */
function decideExport (self: ExportSelf, to: ExportNeighbor, route: Route, from: ExportSource): Route | string {
  if (!from.usable) return 'not-usable'
  if (from.fromPeer === to.peerId) return 'split-horizon'
  if (route.attrs.originPeerId === to.peerId) return 'back-to-origin'
  if (!mayAdvertise(self.role, from.fromRole, to.role)) return 'reflection-rule'
  if (!matchesInterests(route.attrs.capability, to.interests)) return 'not-interested'
  let accepted = route
  if (self.policy.export.length === 0) {
    const refusal = evaluateExportWithoutRules(route, to.org, to.role, from.fromRole)
    if (refusal !== undefined) return refusal
  } else {
    const verdict = evaluateExport(self.policy, route, {
      neighborRole: to.role,
      neighborOrg: to.org,
      learnedFromRole: from.fromRole,
      learnedFromOrg: from.fromOrg
    })
    if (!verdict.accept) return verdict.reason
    accepted = verdict.route
  }
  return rewritePath(self, to, accepted, from)
}

/**
 * Path-attribute rewriting, memoized per (input route, shape of rewrite): a reflector
 * sends one route to hundreds of clients, and they all get the same object. A
 * WeakMap holds nothing alive once the route leaves the RIB.
 */
const reflectedCache = new WeakMap<Route, { cluster: string, learnedFrom: string, route: Route }>()
const prependedCache = new WeakMap<Route, { org: string, route: Route }>()

export function rewritePath (self: ExportSelf, to: ExportNeighbor, route: Route, from: ExportSource): Route {
  return prependedFor(self, to, reflectedFor(self, route, from))
}

/** The reflection rewrite of rewritePath(): the same object for every neighbor. */
function reflectedFor (self: ExportSelf, route: Route, from: ExportSource): Route {
  if (!isReflection(self.role, from.fromRole) || self.cluster === undefined || self.cluster === '') return route
  const hit = reflectedCache.get(route)
  if (hit !== undefined && hit.cluster === self.cluster && hit.learnedFrom === from.fromPeer) return hit.route
  const reflected = reflectRoute(route, { cluster: self.cluster, learnedFrom: from.fromPeer })
  reflectedCache.set(route, { cluster: self.cluster, learnedFrom: from.fromPeer, route: reflected })
  return reflected
}

/** The org-path rewrite of rewritePath(), which depends on the neighbor. */
function prependedFor (self: ExportSelf, to: ExportNeighbor, route: Route): Route {
  if (!leavesOrg(self, to) || route.orgPath[0] === self.org) return route
  const hit = prependedCache.get(route)
  if (hit !== undefined && hit.org === self.org) return hit.route
  const prepended = { ...route, orgPath: [self.org, ...route.orgPath] }
  prependedCache.set(route, { org: self.org, route: prepended })
  return prepended
}

/**
 * The neighbor-independent part of the export decision for one Loc-RIB copy: a
 * reflector flushes one change to hundreds of neighbors, and this is computed once
 * for all of them (exportedByPlan). Only without export rules (rules may look at
 * anything): undefined then, and the caller uses exportedRoute().
 */
export interface ExportPlan {
  readonly route: Route
  readonly from: ExportSource
  /** Built-in no-export applies (a learned route tagged no-export). */
  readonly noExport: boolean
  /** The route after the reflection rewrite (itself when not reflected). */
  readonly reflected: Route
}

export function exportPlan (self: ExportSelf, route: Route, from: ExportSource): ExportPlan | undefined {
  if (self.policy.export.length > 0) return undefined
  return {
    route,
    from,
    noExport: from.fromRole !== 'local' && effectiveTags(route).includes(NO_EXPORT_TAG),
    reflected: reflectedFor(self, route, from)
  }
}

/** exportedRoute(self, to, plan.route, plan.from), the same decision with the plan's precomputed parts. */
export function exportedByPlan (self: ExportSelf, to: ExportNeighbor, plan: ExportPlan): Route | undefined {
  const { route, from } = plan
  // decideExport's steps in its order, then evaluateExportWithoutRules' built-ins.
  if (!from.usable || from.fromPeer === to.peerId || route.attrs.originPeerId === to.peerId) return undefined
  if (!mayAdvertise(self.role, from.fromRole, to.role)) return undefined
  if (!matchesInterests(route.attrs.capability, to.interests)) return undefined
  if (route.orgPath.includes(to.org) || plan.noExport) return undefined
  if (from.fromRole === 'partner' && to.role === 'partner') return undefined
  return prependedFor(self, to, plan.reflected)
}

/**
 * Does the route cross an org boundary in the org-path sense? Over a partner session
 * always (when the partner is another org); from a non-reflector towards another
 * org's daemon too. A reflector reflecting inside the federation does not.
 */
function leavesOrg (self: ExportSelf, to: ExportNeighbor): boolean {
  if (to.org === self.org) return false
  return to.role === 'partner' || self.role === 'peer'
}
