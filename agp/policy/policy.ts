/**
 * Import and export policy: ordered rules, the first rule whose match holds decides;
 * when none matches, the route is accepted with local preference 100 — except for a
 * route leak by default (below).
 *
 * Export runs two built-in checks BEFORE the rules (no rule can override them):
 * 1. no-export: a route carrying the `no-export` tag (origin or path tag) that was
 *    learned from a neighbor is not exported outside the receiving org; the origin
 *    (and its org's other sites) still sends it to its direct neighbors, and a site
 *    passes it to the other sites of its org, so it stops at the first org it reaches
 *    (RFC 1997's NO_EXPORT idea);
 * 2. federation-only: a route carrying the `federation-only` tag never goes to a
 *    partner, at any hop, the origin's own session included (members of the
 *    federation only, RFC 1997's NO_ADVERTISE idea narrowed to partners).
 *
 * Route leaks (RFC 9234's roles): the caller (reflector/reflection.ts exportDefault)
 * says when a flow is a leak by default — a route learned from a reflector or a
 * partner towards a partner, a partner's route into the federation. Then the first
 * matching export rule decides, and without one the route is refused with the leak's
 * reason. Loops (org path, site path) are checked by the caller before policy.
 *
 * Tag edits: removeTags then addTags, on the route's path tags only. Origin tags are
 * part of the signed attributes, so removeTags cannot strip them (a route whose origin
 * tagged it `no-export` keeps that tag everywhere). Edits apply on accept only.
 * Local preference is a local import decision; export results always carry 100.
 */
import { isInternalRole, type NeighborRole } from '../codec/frame.ts'
import { FEDERATION_ONLY_TAG, NO_EXPORT_TAG, effectiveTags, type Route } from '../route/route.ts'
import { matchesRule, type MatchContext } from './match.ts'
import type { PolicyConfig, PolicyRule } from './types.ts'

export { validatePolicy } from './validate-policy.ts'

export const DEFAULT_LOCAL_PREF = 100

export interface PolicyResult {
  readonly accept: boolean
  readonly localPref: number
  /** The route, its path tags edited by the deciding rule (the same object when unchanged). */
  readonly route: Route
  /** The deciding rule: its name, or 'import[i]' / 'export[i]'. Absent for defaults and built-ins. */
  readonly rule?: string
  /**
   * Why: 'default-accept', 'rule-accept', 'rule-reject', 'builtin-no-export',
   * 'builtin-federation-only', or the leak reason ('builtin-no-partner-leak',
   * 'builtin-no-federation-leak').
   */
  readonly reason: string
}

export interface ImportContext {
  readonly neighborRole: NeighborRole
  readonly neighborOrg: string
}

export interface ExportContext {
  readonly neighborRole: NeighborRole
  readonly neighborOrg: string
  /** 'local' for the node's own agents. */
  readonly learnedFromRole: NeighborRole | 'local'
  readonly learnedFromOrg: string
  /** Set when the flow is a route leak by default: refused with this reason unless an export rule accepts it. */
  readonly leak?: string
}

/** Import policy for a route received from a neighbor. */
export function evaluateImport (policy: PolicyConfig, route: Route, ctx: ImportContext): PolicyResult {
  // On import the route is being learned from this very neighbor.
  const mctx: MatchContext = { ...ctx, learnedFromRole: ctx.neighborRole, learnedFromOrg: ctx.neighborOrg }
  const hit = firstMatch(policy.import, 'import', route, mctx)
  if (hit === undefined) return { accept: true, localPref: DEFAULT_LOCAL_PREF, route, reason: 'default-accept' }
  return decide(hit.rule, hit.id, route, hit.rule.localPref ?? DEFAULT_LOCAL_PREF)
}

/** Export policy for a route about to be sent to a neighbor: built-ins first, then the rules, then the leak default. */
export function evaluateExport (policy: PolicyConfig, route: Route, ctx: ExportContext): PolicyResult {
  const builtin = builtinExportRefusal(route, ctx.neighborRole, ctx.learnedFromRole, ctx.learnedFromOrg)
  if (builtin !== undefined) return reject(route, builtin)
  const hit = firstMatch(policy.export, 'export', route, ctx)
  if (hit !== undefined) return decide(hit.rule, hit.id, route, DEFAULT_LOCAL_PREF)
  if (ctx.leak !== undefined) return reject(route, ctx.leak)
  return { accept: true, localPref: DEFAULT_LOCAL_PREF, route, reason: 'default-accept' }
}

/**
 * evaluateExport() for a policy with no export rules, without allocating: the reason
 * of the refusing built-in or leak default, or undefined when the route is accepted unchanged.
 */
export function evaluateExportWithoutRules (route: Route, neighborRole: NeighborRole,
  learnedFromRole: NeighborRole | 'local', learnedFromOrg: string, leak: string | undefined): string | undefined {
  return builtinExportRefusal(route, neighborRole, learnedFromRole, learnedFromOrg) ?? leak
}

/**
 * Where `no-export` still lets a route go: towards another site of our org, and from
 * our own agents or (for our org's own routes) from another site of ours, which
 * counts as the origin.
 */
function noExportAllows (route: Route, neighborRole: NeighborRole, learnedFromRole: NeighborRole | 'local', learnedFromOrg: string): boolean {
  if (learnedFromRole === 'local' || isInternalRole(neighborRole)) return true
  // An internal neighbor is of our org: the route is ours when its origin org is that org.
  return isInternalRole(learnedFromRole) && route.attrs.originOrg === learnedFromOrg
}

/** The built-ins no rule can override: no-export, federation-only. */
function builtinExportRefusal (route: Route, neighborRole: NeighborRole, learnedFromRole: NeighborRole | 'local',
  learnedFromOrg: string): string | undefined {
  // Tags are rare: one look at the origin's list (and the path's) before building anything.
  if (route.attrs.tags.length === 0 && route.pathTags.length === 0) return undefined
  const tags = effectiveTags(route)
  if (tags.includes(NO_EXPORT_TAG) && !noExportAllows(route, neighborRole, learnedFromRole, learnedFromOrg)) return 'builtin-no-export'
  if (neighborRole === 'partner' && tags.includes(FEDERATION_ONLY_TAG)) return 'builtin-federation-only'
  return undefined
}

function firstMatch (rules: readonly PolicyRule[], kind: 'import' | 'export', route: Route, ctx: MatchContext): { rule: PolicyRule, id: string } | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as PolicyRule
    if (matchesRule(rule, route, ctx)) return { rule, id: rule.name ?? `${kind}[${i}]` }
  }
  return undefined
}

function decide (rule: PolicyRule, id: string, route: Route, localPref: number): PolicyResult {
  if (rule.action !== 'accept') return { accept: false, localPref: DEFAULT_LOCAL_PREF, route, rule: id, reason: 'rule-reject' }
  return { accept: true, localPref, route: applyTagEdits(route, rule), rule: id, reason: 'rule-accept' }
}

function reject (route: Route, reason: string): PolicyResult {
  return { accept: false, localPref: DEFAULT_LOCAL_PREF, route, reason }
}

/** removeTags then addTags on the path tags; origin tags are signed and stay. */
export function applyTagEdits (route: Route, edits: Pick<PolicyRule, 'addTags' | 'removeTags'>): Route {
  const remove = new Set(edits.removeTags ?? [])
  const kept = route.pathTags.filter((t) => !remove.has(t))
  const tags = [...kept]
  for (const t of edits.addTags ?? []) if (!tags.includes(t)) tags.push(t)
  const same = tags.length === route.pathTags.length && tags.every((t, i) => t === route.pathTags[i])
  return same ? route : { ...route, pathTags: tags }
}
