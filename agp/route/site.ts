/**
 * Sites of one organization (BGP's iBGP, adapted): an org may run a daemon on several
 * sites. The org path counts an org once however many of its sites a route crossed,
 * so loops are detected on org across orgs and on (org, site) inside an org:
 *
 * - org loop: the receiver's org appears in the org path after its first entry — the
 *   route left that org and came back (RFC 4271 §9.1.2's AS-path check, by org);
 * - site loop: the org path starts with the receiver's org (the route is inside it, or
 *   has just left it) and the site path already holds the receiver's site.
 *
 * A route is never refused only because its org is the receiver's: two sites of one
 * org learn each other's agents, over internal sessions or through the federation's
 * reflectors. The site path holds the sites of orgPath[0]'s org: a node prepends its
 * site whenever, after its org-path rewrite, the route's first org is its own, and
 * starts a fresh site path when it prepends its org. The origin site is implied while
 * the route has not left its origin org, so a single-site org's own routes carry an
 * empty site path (no extra bytes on the wire).
 */
import type { Route, RouteAttributes } from './route.ts'

/** The origin's site: its org's default site (the org id) unless it named another. */
export function originSiteOf (attrs: RouteAttributes): string {
  return attrs.originSite ?? attrs.originOrg
}

/** Has the route, as held, already crossed site `site` of org `org`? */
export function crossedSite (route: Route, org: string, site: string): boolean {
  return crossedSiteWith(route, route.orgPath, route.sitePath, org, site)
}

/** crossedSite() of the route with these path attributes (as a sender is about to rewrite them). */
export function crossedSiteWith (route: Route, orgPath: readonly string[], sitePath: readonly string[], org: string, site: string): boolean {
  if (orgPath[0] !== org) return false
  if (sitePath.includes(site)) return true
  // Still inside its origin org: the origin site is implied.
  return orgPath.length === 1 && route.attrs.originOrg === org && originSiteOf(route.attrs) === site
}

/** Has the route left org `org` and come back (the org appears after the first entry)? */
export function leftAndReturned (orgPath: readonly string[], org: string): boolean {
  return orgPath.indexOf(org, 1) !== -1
}

export type SiteLoop = 'org-path-loop' | 'site-path-loop'

/** The import loop check of a node (org, site): a reason to drop, or undefined. */
export function siteLoop (route: Route, org: string, site: string): SiteLoop | undefined {
  if (leftAndReturned(route.orgPath, org)) return 'org-path-loop'
  if (crossedSite(route, org, site)) return 'site-path-loop'
  return undefined
}

/**
 * The site path a node (org, site) sends, after its org-path rewrite gave `orgPath`
 * (`prepended`: it put its org in front just now). Unchanged when the route's first
 * org is another org's (a federation reflector passing it on).
 */
export function nextSitePath (route: Route, orgPath: readonly string[], prepended: boolean, org: string, site: string): readonly string[] {
  if (orgPath[0] !== org) return route.sitePath
  if (prepended) return [site]
  const path = route.sitePath
  if (path[0] === site) return path
  // At the origin site, before the route crossed any other: implied, nothing to add.
  if (path.length === 0 && orgPath.length === 1 && route.attrs.originOrg === org && originSiteOf(route.attrs) === site) return path
  return [site, ...path]
}
