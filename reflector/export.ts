/**
 * The per-neighbor export decision, in order (the first step that refuses names the
 * reason):
 *
 *   1. usable        not suppressed, expired or invalid (a damped route is not reflected)
 *   2. split horizon never back to the neighbor we learned it from, nor to its origin
 *   3. reflection    RFC 4456 §6 and iBGP split horizon by neighbor roles, and the
 *                    RFC 9234 leak defaults (reflection.ts exportDefault)
 *   4. interests     the neighbor's capability prefixes (interests.ts)
 *   5. loops         the neighbor would see its org after another org in the org path
 *                    (builtin-org-loop), or its own site in its org's site path
 *                    (builtin-site-loop): agp/route/site.ts, on the path as rewritten
 *   6. policy        built-ins (no-export, federation-only), export rules, and the leak
 *                    default when no rule matched (agp/policy)
 *
 * then the path attributes are rewritten for the wire:
 *   - reflection (a reflector passing on a learned route): ORIGINATOR_ID set once,
 *     cluster id prepended (cluster-list.ts). Reflectors add to the cluster list, never
 *     to the org path: a federation's reflectors are not an org on the way.
 *   - org path: a route leaving our org towards another org's daemon over a partner
 *     session, or from a non-reflector, gets our org prepended unless it is already
 *     first (our own routes start with it). Between sites of one org it is unchanged.
 *   - site path: our site prepended when the route's first org is ours (site.ts).
 */
import type { NeighborRole, PolicyConfig, Route, SpeakerRole } from '../agp/index.ts'
import { crossedSiteWith, evaluateExport, evaluateExportWithoutRules, leftAndReturned, nextSitePath } from '../agp/index.ts'
import { reflectedOriginatorId, reflectRoute } from './cluster-list.ts'
import { memoOf } from './route-memo.ts'
import { exportDefault, isReflection, type RouteSource } from './reflection.ts'
import { matchesInterests } from '../kernel/index.ts'

export interface ExportSelf {
  readonly role: SpeakerRole
  readonly org: string
  /** Our site in our org (the org id when single-site). */
  readonly site: string
  readonly peerId: string
  /** Our cluster id (reflectors). */
  readonly cluster?: string
  readonly policy: PolicyConfig
}

export interface ExportNeighbor {
  readonly peerId: string
  readonly org: string
  /** The neighbor's site (its OPEN's; its org id when it named none). */
  readonly site: string
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
  const byRole = exportDefault(self.role, from.fromRole, to.role, route.attrs.originOrg === self.org)
  if (byRole === 'never') return 'reflection-rule'
  if (!matchesInterests(route.attrs.capability, to.interests)) return 'not-interested'
  const loop = exportLoop(self, to, route)
  if (loop !== undefined) return loop
  const leak = byRole === 'advertise' ? undefined : byRole
  let accepted = route
  if (self.policy.export.length === 0) {
    const refusal = evaluateExportWithoutRules(route, to.role, from.fromRole, from.fromOrg, leak)
    if (refusal !== undefined) return refusal
  } else {
    const verdict = evaluateExport(self.policy, route, {
      neighborRole: to.role,
      neighborOrg: to.org,
      learnedFromRole: from.fromRole,
      learnedFromOrg: from.fromOrg,
      ...(leak === undefined ? {} : { leak })
    })
    if (!verdict.accept) return verdict.reason
    accepted = verdict.route
  }
  return rewritePath(self, to, accepted, from)
}

/**
 * Would the neighbor see a loop in the route as we would send it? Its org after
 * another org in the org path, or its site in its own org's site path (site.ts). No
 * rule can override either. For single-site orgs (site = org id) this is exactly
 * "the neighbor's org is in the org path".
 */
function exportLoop (self: ExportSelf, to: ExportNeighbor, route: Route): 'builtin-org-loop' | 'builtin-site-loop' | undefined {
  const path = route.orgPath
  if (prependsOrg(self, to, route)) return path.includes(to.org) ? 'builtin-org-loop' : undefined
  if (leftAndReturned(path, to.org)) return 'builtin-org-loop'
  if (path[0] !== to.org) return undefined
  const sites = nextSitePath(route, path, false, self.org, self.site)
  return crossedSiteWith(route, path, sites, to.org, to.site) ? 'builtin-site-loop' : undefined
}

/**
 * Path-attribute rewriting, memoized per (input route, shape of rewrite): a reflector
 * sends one route to hundreds of clients, and they all get the same object. Nothing
 * held alive once the route leaves the RIB (WeakMaps; the reflected form is in the
 * route's memo, route-memo.ts).
 */
const orgCache = new WeakMap<Route, { key: string, route: Route }>()

export function rewritePath (self: ExportSelf, to: ExportNeighbor, route: Route, from: ExportSource): Route {
  return orgRewrite(self, to, reflectedFor(self, route, from))
}

/** The reflection rewrite of rewritePath(): the same object for every neighbor. */
function reflectedFor (self: ExportSelf, route: Route, from: ExportSource): Route {
  if (!isReflection(self.role, from.fromRole) || self.cluster === undefined || self.cluster === '') return route
  const ctx = { cluster: self.cluster, learnedFrom: from.fromPeer }
  const memo = memoOf(route)
  const hit = memo.reflected
  // What reflectRoute() would give now (another cluster or neighbor may have reflected this very object).
  if (hit !== undefined && hit.clusterList[0] === ctx.cluster && hit.originatorId === reflectedOriginatorId(route, ctx)) return hit
  const reflected = reflectRoute(route, ctx)
  memo.reflected = reflected
  return reflected
}

/** The org-path and site-path rewrite of rewritePath(), which depends on the neighbor. */
function orgRewrite (self: ExportSelf, to: ExportNeighbor, route: Route): Route {
  const prepends = prependsOrg(self, to, route)
  // Neither path changes: the common case of a reflector passing on another org's route.
  if (!prepends && route.orgPath[0] !== self.org) return route
  const orgPath = prepends ? [self.org, ...route.orgPath] : route.orgPath
  const sitePath = nextSitePath(route, orgPath, prepends, self.org, self.site)
  if (!prepends && sitePath === route.sitePath) return route
  const key = `${self.org}/${self.site}/${prepends ? 1 : 0}`
  const hit = orgCache.get(route)
  if (hit !== undefined && hit.key === key) return hit.route
  const rewritten = { ...route, orgPath, sitePath }
  orgCache.set(route, { key, route: rewritten })
  return rewritten
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
  /** The route carries tags (origin or path): the tag built-ins must look. */
  readonly tagged: boolean
  /** The route's origin org is ours. */
  readonly ownOrg: boolean
  /** The route after the reflection rewrite (itself when not reflected). */
  readonly reflected: Route
  // Copies of what exportedByPlan() reads of the route and its source for every
  // neighbor: one object to read instead of four (route, attrs, source, org path).
  readonly usable: boolean
  readonly fromPeer: string
  readonly fromRole: RouteSource
  readonly originPeerId: string
  readonly capability: string
  readonly orgPath: readonly string[]
  /** orgPath[0]: the org the route last left (undefined for an empty path). */
  readonly firstOrg: string | undefined
}

export function exportPlan (self: ExportSelf, route: Route, from: ExportSource): ExportPlan | undefined {
  if (self.policy.export.length > 0) return undefined
  return {
    route,
    from,
    tagged: route.attrs.tags.length > 0 || route.pathTags.length > 0,
    ownOrg: route.attrs.originOrg === self.org,
    reflected: reflectedFor(self, route, from),
    usable: from.usable,
    fromPeer: from.fromPeer,
    fromRole: from.fromRole,
    originPeerId: route.attrs.originPeerId,
    capability: route.attrs.capability,
    orgPath: route.orgPath,
    firstOrg: route.orgPath[0]
  }
}

/** exportedRoute(self, to, plan.route, plan.from), the same decision with the plan's precomputed parts. */
export function exportedByPlan (self: ExportSelf, to: ExportNeighbor, plan: ExportPlan): Route | undefined {
  // decideExport's steps in its order, then evaluateExportWithoutRules' built-ins.
  if (!plan.usable || plan.fromPeer === to.peerId || plan.originPeerId === to.peerId) return undefined
  // Without export rules a leak default is a refusal, like 'never'.
  if (exportDefault(self.role, plan.fromRole, to.role, plan.ownOrg) !== 'advertise') return undefined
  if (!matchesInterests(plan.capability, to.interests)) return undefined
  // exportLoop() and orgRewrite() on the plan's copies (the reflection rewrite keeps the org path).
  const first = plan.firstOrg
  const prepends = to.org !== self.org && first !== self.org && (to.role === 'partner' || self.role === 'peer')
  if (prepends) {
    if (plan.orgPath.includes(to.org)) return undefined
  } else if (leftAndReturned(plan.orgPath, to.org) || (first === to.org && exportLoop(self, to, plan.route) !== undefined)) {
    return undefined
  }
  if (plan.tagged && evaluateExportWithoutRules(plan.route, to.role, plan.fromRole, plan.from.fromOrg, undefined) !== undefined) return undefined
  return !prepends && first !== self.org ? plan.reflected : orgRewrite(self, to, plan.reflected)
}

/**
 * Will we put our org in front of the org path? When the route leaves our org: over a
 * partner session, or from a non-reflector towards another org's daemon (a federation
 * reflector included). A reflector reflecting inside the federation does not, and
 * neither does a site towards another site of its org. Never twice in a row.
 */
function prependsOrg (self: ExportSelf, to: ExportNeighbor, route: Route): boolean {
  if (to.org === self.org || route.orgPath[0] === self.org) return false
  return to.role === 'partner' || self.role === 'peer'
}
