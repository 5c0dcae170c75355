/**
 * Import/export policy as data (config `policy:`). Rules are evaluated in order; the
 * first rule whose match holds decides. See agp/policy/policy.ts.
 */
import type { NeighborRole } from '../codec/frame.ts'

export interface PolicyMatch {
  /** Capability prefix (segment-wise: 'code-review' matches 'code-review/python'). */
  readonly capability?: string
  readonly originOrg?: readonly string[]
  /** Route's org path contains any of these orgs. */
  readonly orgPathContains?: readonly string[]
  readonly region?: readonly string[]
  /** Route carries all of these tags. */
  readonly tags?: readonly string[]
  /** Role of the neighbor the route comes from (import) or goes to (export). */
  readonly neighborRole?: readonly NeighborRole[]
  /** Org of that neighbor. */
  readonly neighborOrg?: readonly string[]
  /** Export only: role of the neighbor the route was learned from. */
  readonly learnedFromRole?: readonly (NeighborRole | 'local')[]
  /** Export only: org of the neighbor the route was learned from (the own org for local agents). */
  readonly learnedFromOrg?: readonly string[]
}

export interface PolicyAction {
  readonly action: 'accept' | 'reject'
  readonly localPref?: number
  readonly addTags?: readonly string[]
  readonly removeTags?: readonly string[]
}

export interface PolicyRule extends PolicyMatch, PolicyAction {
  readonly name?: string
}

export interface PolicyConfig {
  readonly import: readonly PolicyRule[]
  readonly export: readonly PolicyRule[]
}

export const EMPTY_POLICY: PolicyConfig = Object.freeze({ import: [], export: [] })
