/**
 * The core's own validators (damping, freshness, policy) run on the config, their
 * messages turned into issues with the field path each message starts with. One set
 * of rules: the daemon refuses what the core would refuse, with the same words.
 */
import {
  freshnessWarnings, localAgentProblem, validateDampingParams, validateFreshnessParams, validatePolicy
} from '../../agp/index.ts'
import type { ConfigIssue } from './config-error.ts'
import type { SiteConfig } from './schema.ts'

export interface CoreCheck {
  readonly errors: ConfigIssue[]
  readonly warnings: ConfigIssue[]
}

export function checkWithCore (config: SiteConfig): CoreCheck {
  const damping = validateDampingParams(config.damping)
  const freshnessErrors = validateFreshnessParams(config.freshness)
  const freshness = freshnessErrors.length === 0 ? freshnessWarnings(config.freshness) : []
  const policy = validatePolicy(config.policy)
  return {
    errors: [
      ...damping.errors.map((m) => toIssue(m, 'damping')),
      ...freshnessErrors.map((m) => toIssue(m, 'freshness')),
      ...policy.map((m) => toIssue(m.startsWith('policy') ? m : `policy.${m}`, 'policy')),
      // The wire's rule, so a configured agent always originates (same words as the API).
      // Card agents are checked when their card is read (their fields come from it).
      ...config.agents.flatMap((a, i) => {
        if ('a2a' in a) return []
        const problem = localAgentProblem(a)
        return problem === undefined ? [] : [{ path: `agents[${i}]`, reason: problem }]
      })
    ],
    warnings: [...damping.warnings.map((m) => toIssue(m, 'damping')), ...freshness.map((m) => toIssue(m, 'freshness'))]
  }
}

/** 'damping.reuse (7000) must be…' → { path: 'damping.reuse', reason: '(7000) must be…' } */
export function toIssue (message: string, root: string): ConfigIssue {
  const m = /^([A-Za-z]+(?:(?:\.[A-Za-z]+)|(?:\[\d+\]))*):?\s+(.*)$/s.exec(message)
  if (m?.[1] !== undefined && m[2] !== undefined && m[1].startsWith(root)) return { path: m[1], reason: m[2] }
  return { path: root, reason: message }
}
