/**
 * Validation of a policy config (config `policy:`), before it is used. Returns one
 * message per problem, naming the rule and the field (`export[2].localPref: ...`);
 * an empty list means valid. Takes `unknown` because it sees parsed YAML.
 */
import { capabilityProblem, MAX_TAGS, TAG_PATTERN } from '../../kernel/index.ts'
import { NEIGHBOR_ROLES } from '../codec/frame.ts'

const LEARNED_ROLES = [...NEIGHBOR_ROLES, 'local'] as const
const ANY_OF = ['originOrg', 'orgPathContains', 'region', 'neighborOrg', 'learnedFromOrg'] as const
const KNOWN = new Set(['name', 'action', 'localPref', 'addTags', 'removeTags', 'capability', 'tags', 'neighborRole', 'learnedFromRole', ...ANY_OF])
const MAX_LOCAL_PREF = 2 ** 32 - 1
/** Bound on rules per direction: evaluation is linear per route. */
export const MAX_POLICY_RULES = 1000

export function validatePolicy (policy: unknown): string[] {
  if (!isObject(policy)) return ['policy must be an object { import: [...], export: [...] }']
  const errors: string[] = []
  for (const key of Object.keys(policy)) {
    if (key !== 'import' && key !== 'export') errors.push(`policy.${key}: unknown key (expected import, export)`)
  }
  for (const kind of ['import', 'export'] as const) {
    const rules = policy[kind]
    if (rules === undefined) continue
    if (!Array.isArray(rules)) { errors.push(`${kind}: must be a list of rules`); continue }
    if (rules.length > MAX_POLICY_RULES) errors.push(`${kind}: ${rules.length} rules, max ${MAX_POLICY_RULES}`)
    rules.forEach((rule, i) => validateRule(rule, `${kind}[${i}]`, kind, errors))
  }
  return errors
}

function validateRule (rule: unknown, at: string, kind: 'import' | 'export', errors: string[]): void {
  if (!isObject(rule)) { errors.push(`${at}: a rule must be an object`); return }
  for (const key of Object.keys(rule)) if (!KNOWN.has(key)) errors.push(`${at}.${key}: unknown field`)
  if (rule.name !== undefined && (typeof rule.name !== 'string' || rule.name.length === 0)) errors.push(`${at}.name: must be a non-empty string`)
  if (rule.action !== 'accept' && rule.action !== 'reject') errors.push(`${at}.action: unknown action ${JSON.stringify(rule.action)} (expected accept or reject)`)
  if (rule.capability !== undefined) {
    const problem = capabilityProblem(rule.capability)
    if (problem !== undefined) errors.push(`${at}.capability: bad capability ${JSON.stringify(rule.capability)}: ${problem}`)
  }
  for (const f of ANY_OF) checkStrings(rule[f], `${at}.${f}`, errors, true)
  checkRoles(rule.neighborRole, `${at}.neighborRole`, NEIGHBOR_ROLES, errors)
  checkRoles(rule.learnedFromRole, `${at}.learnedFromRole`, LEARNED_ROLES, errors)
  if (kind === 'import') {
    if (rule.learnedFromRole !== undefined) errors.push(`${at}.learnedFromRole: export only (on import, match the sender with neighborRole)`)
    if (rule.learnedFromOrg !== undefined) errors.push(`${at}.learnedFromOrg: export only (on import, match the sender with neighborOrg)`)
  }
  checkTags(rule.tags, `${at}.tags`, errors)
  checkTags(rule.addTags, `${at}.addTags`, errors)
  checkTags(rule.removeTags, `${at}.removeTags`, errors)
  if (rule.localPref !== undefined) {
    const lp = rule.localPref
    if (typeof lp !== 'number' || !Number.isInteger(lp) || lp < 0 || lp > MAX_LOCAL_PREF) {
      errors.push(`${at}.localPref: must be an integer in 0..${MAX_LOCAL_PREF} (got ${String(lp)})`)
    } else if (kind === 'export') {
      errors.push(`${at}.localPref: has no effect on export (local preference is a local import decision)`)
    }
  }
  if (rule.action === 'reject') {
    for (const f of ['localPref', 'addTags', 'removeTags'] as const) {
      if (rule[f] !== undefined) errors.push(`${at}.${f}: has no effect with action reject`)
    }
  }
}

function checkStrings (v: unknown, at: string, errors: string[], nonEmptyList: boolean): v is string[] {
  if (v === undefined) return false
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0)) {
    errors.push(`${at}: must be a list of non-empty strings`)
    return false
  }
  if (nonEmptyList && v.length === 0) { errors.push(`${at}: an empty list matches nothing; omit the field`); return false }
  return true
}

function checkRoles (v: unknown, at: string, allowed: readonly string[], errors: string[]): void {
  if (!checkStrings(v, at, errors, true)) return
  for (const r of v) if (!allowed.includes(r)) errors.push(`${at}: unknown role ${JSON.stringify(r)} (expected ${allowed.join(', ')})`)
}

function checkTags (v: unknown, at: string, errors: string[]): void {
  if (!checkStrings(v, at, errors, false)) return
  if (v.length > MAX_TAGS) errors.push(`${at}: ${v.length} tags, max ${MAX_TAGS}`)
  for (const t of v) if (!TAG_PATTERN.test(t)) errors.push(`${at}: bad tag ${JSON.stringify(t)} (lowercase [a-z0-9._:-], max 64 chars)`)
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
