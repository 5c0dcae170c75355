/**
 * `policy: { import: [...], export: [...] }`: agp/policy/types.ts PolicyRule as data.
 * Rules are flat: match fields and action fields side by side; first match decides.
 */
import { z } from 'zod'
import { NEIGHBOR_ROLES, type PolicyConfig } from '../../agp/index.ts'
import { capability, orgName } from './schema-common.ts'
import { tag as tagRule } from '../../kernel/index.ts'

export const neighborRole = z.enum(NEIGHBOR_ROLES, { error: `not a neighbor role (${NEIGHBOR_ROLES.join(' | ')})` })

const tag = tagRule.schema
const orgList = z.array(orgName).min(1)

export const policyRuleSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  capability: capability.optional(),
  originOrg: orgList.optional(),
  orgPathContains: orgList.optional(),
  region: z.array(z.string().max(64)).min(1).optional(),
  tags: z.array(tag).min(1).optional(),
  neighborRole: z.array(neighborRole).min(1).optional(),
  neighborOrg: orgList.optional(),
  learnedFromRole: z.array(z.enum([...NEIGHBOR_ROLES, 'local'])).min(1).optional(),
  learnedFromOrg: orgList.optional(),
  action: z.enum(['accept', 'reject'], { error: "not an action ('accept' | 'reject')" }),
  localPref: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  addTags: z.array(tag).optional(),
  removeTags: z.array(tag).optional()
})

export const MAX_POLICY_RULES = 1000

export const policySchema = z.strictObject({
  import: z.array(policyRuleSchema).max(MAX_POLICY_RULES).default([]),
  export: z.array(policyRuleSchema).max(MAX_POLICY_RULES).default([])
})

/** Compile-time check that the schema's output is the core's PolicyConfig. */
export function toPolicyConfig (policy: z.output<typeof policySchema>): PolicyConfig {
  return policy
}
