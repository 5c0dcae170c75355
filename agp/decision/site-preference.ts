/**
 * Nearest site first: at a site of a multi-site org, resolve ranks the org's agents at
 * this site, then its other sites' agents by configured cost (`sitePreference`, like
 * an IGP cost to the exit, RFC 4271 §9.1.2.2 (e)), then other orgs' agents. A local
 * step only: it sits in the resolve ranking after usable, local preference and
 * freshness, and never in the global order reflectors use to choose what to propagate.
 *
 * Off unless the node configures `sitePreference` (every candidate then costs 0, so the
 * step ties and the ranking is what it was without sites).
 */
import { originSiteOf } from '../route/site.ts'
import type { Route } from '../route/route.ts'
import { lowerFirst, type DecisionStep } from './step.ts'

export interface SiteRanking {
  readonly org: string
  readonly site: string
  /** Cost per other site of the org; absent = the step is off. */
  readonly sitePreference?: Readonly<Record<string, number>>
}

/** A site of our org the preference does not list: after every listed one. */
export const UNLISTED_SITE_COST = Number.MAX_SAFE_INTEGER
/** Another org's agent: after all of ours. */
export const OTHER_ORG_COST = Infinity

/** The candidate's site cost as seen from `self` (0 everywhere when the step is off). */
export function siteCost (route: Route, self: SiteRanking): number {
  const prefs = self.sitePreference
  if (prefs === undefined) return 0
  if (route.attrs.originOrg !== self.org) return OTHER_ORG_COST
  const site = originSiteOf(route.attrs)
  if (site === self.site) return 0
  return Object.hasOwn(prefs, site) ? prefs[site] as number : UNLISTED_SITE_COST
}

export interface SiteCosted {
  /** siteCost() of the candidate, computed once by the caller. */
  readonly siteCost: number
}

export const nearestSiteFirst: DecisionStep<SiteCosted> = {
  name: 'nearest-site-first',
  rfc: 'RFC 4271 §9.1.2.2 (e) (lowest interior cost, hot potato)',
  compare: (a, b) => lowerFirst(a.siteCost, b.siteCost)
}
