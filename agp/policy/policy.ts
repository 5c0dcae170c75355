/**
 * Import and export policy: ordered rules, the first rule whose match holds decides;
 * when none matches, the route is accepted with local preference 100.
 *
 * Export runs three built-in checks BEFORE the rules, in this order:
 * 1. org loop: a route whose org path already holds the receiving neighbor's org is
 *    never sent (loop prevention across orgs; no rule can override it);
 * 2. no-export: a route carrying the `no-export` tag (origin or path tag) that was
 *    learned from a neighbor is not exported; the origin still sends it to its direct
 *    neighbors, so it stops at the first hop (RFC 1997's NO_EXPORT idea; no rule can
 *    override it);
 * 3. no partner leaks (RFC 9234's idea): a route learned from a partner goes to another
 *    partner only when the first matching export rule accepts it. Without a matching
 *    rule the default is reject for that case only.
 *
 * Tag edits: removeTags then addTags, on the route's path tags only. Origin tags are
 * part of the signed attributes, so removeTags cannot strip them (a route whose origin
 * tagged it `no-export` keeps that tag everywhere). Edits apply on accept only.
 * Local preference is a local import decision; export results always carry 100.
 */
import type { NeighborRole } from '../codec/frame.ts'
import { NO_EXPORT_TAG, effectiveTags, type Route } from '../route/route.ts'
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
  /** Why: 'default-accept', 'rule-accept', 'rule-reject', 'builtin-org-loop', 'builtin-no-export', 'builtin-no-partner-leak'. */
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
}

/** Import policy for a route received from a neighbor. */
export function evaluateImport (policy: PolicyConfig, route: Route, ctx: ImportContext): PolicyResult {
  // On import the route is being learned from this very neighbor.
  const mctx: MatchContext = { ...ctx, learnedFromRole: ctx.neighborRole, learnedFromOrg: ctx.neighborOrg }
  const hit = firstMatch(policy.import, 'import', route, mctx)
  if (hit === undefined) return { accept: true, localPref: DEFAULT_LOCAL_PREF, route, reason: 'default-accept' }
  return decide(hit.rule, hit.id, route, hit.rule.localPref ?? DEFAULT_LOCAL_PREF)
}

/** Export policy for a route about to be sent to a neighbor: built-ins first, then the rules. */
export function evaluateExport (policy: PolicyConfig, route: Route, ctx: ExportContext): PolicyResult {
  const builtin = builtinExportRefusal(route, ctx.neighborOrg, ctx.learnedFromRole)
  if (builtin !== undefined) return reject(route, builtin)
  const hit = firstMatch(policy.export, 'export', route, ctx)
  if (hit !== undefined) return decide(hit.rule, hit.id, route, DEFAULT_LOCAL_PREF)
  if (ctx.learnedFromRole === 'partner' && ctx.neighborRole === 'partner') {
    return reject(route, 'builtin-no-partner-leak')
  }
  return { accept: true, localPref: DEFAULT_LOCAL_PREF, route, reason: 'default-accept' }
}

/**
 * evaluateExport() for a policy with no export rules, without allocating: the reason
 * of the refusing built-in, or undefined when the route is accepted unchanged.
 */
export function evaluateExportWithoutRules (route: Route, neighborOrg: string, neighborRole: NeighborRole,
  learnedFromRole: NeighborRole | 'local'): string | undefined {
  const builtin = builtinExportRefusal(route, neighborOrg, learnedFromRole)
  if (builtin !== undefined) return builtin
  if (learnedFromRole === 'partner' && neighborRole === 'partner') return 'builtin-no-partner-leak'
  return undefined
}

/** Built-ins 1 and 2 (org loop, no-export): no rule can override them. */
function builtinExportRefusal (route: Route, neighborOrg: string, learnedFromRole: NeighborRole | 'local'): string | undefined {
  if (route.orgPath.includes(neighborOrg)) return 'builtin-org-loop'
  if (learnedFromRole !== 'local' && effectiveTags(route).includes(NO_EXPORT_TAG)) return 'builtin-no-export'
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
