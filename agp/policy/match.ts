/**
 * Matching of one PolicyMatch against a route and its context. Every present field
 * must hold (AND); absent fields match anything. Per field:
 * - capability: segment-wise prefix ('code-review' matches 'code-review/python',
 *   not 'code-reviewer');
 * - originOrg, orgPathContains, region, neighborRole, neighborOrg, learnedFromRole,
 *   learnedFromOrg: any-of;
 * - tags: all-of, on the route's effective tags (origin tags and path tags).
 */
import { isPrefixOf } from '../../kernel/index.ts'
import type { NeighborRole } from '../codec/frame.ts'
import { effectiveTags, type Route } from '../route/route.ts'
import type { PolicyMatch } from './types.ts'

/** What a rule can see besides the route. On import, "learned from" is the neighbor itself. */
export interface MatchContext {
  readonly neighborRole: NeighborRole
  readonly neighborOrg: string
  readonly learnedFromRole: NeighborRole | 'local'
  readonly learnedFromOrg: string
}

export function matchesRule (m: PolicyMatch, route: Route, ctx: MatchContext): boolean {
  const a = route.attrs
  if (m.capability !== undefined && !isPrefixOf(m.capability, a.capability)) return false
  if (m.originOrg !== undefined && !m.originOrg.includes(a.originOrg)) return false
  if (m.orgPathContains !== undefined && !m.orgPathContains.some((o) => route.orgPath.includes(o))) return false
  if (m.region !== undefined && !m.region.includes(a.region)) return false
  if (m.neighborRole !== undefined && !m.neighborRole.includes(ctx.neighborRole)) return false
  if (m.neighborOrg !== undefined && !m.neighborOrg.includes(ctx.neighborOrg)) return false
  if (m.learnedFromRole !== undefined && !m.learnedFromRole.includes(ctx.learnedFromRole)) return false
  if (m.learnedFromOrg !== undefined && !m.learnedFromOrg.includes(ctx.learnedFromOrg)) return false
  if (m.tags !== undefined && m.tags.length > 0) {
    const have = new Set(effectiveTags(route))
    if (!m.tags.every((t) => have.has(t))) return false
  }
  return true
}
