/**
 * Config checks for `freshness:`. Errors make the config invalid; warnings are
 * legal but probably not what the operator wants.
 */
import type { FreshnessParams } from '../params.ts'

const FIELDS = ['refreshS', 'staleS', 'maxAgeS'] as const

export function validateFreshnessParams (params: FreshnessParams): string[] {
  const errors: string[] = []
  for (const f of FIELDS) {
    const v: unknown = params[f]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) errors.push(`freshness.${f} must be a finite number > 0, got ${String(v)}`)
  }
  if (errors.length > 0) return errors
  if (!(params.refreshS < params.staleS)) {
    errors.push(`freshness.refreshS (${params.refreshS}) must be < staleS (${params.staleS}): a route would go stale between two refreshes`)
  }
  if (!(params.staleS < params.maxAgeS)) {
    errors.push(`freshness.staleS (${params.staleS}) must be < maxAgeS (${params.maxAgeS}): a route would expire without ever being stale`)
  }
  return errors
}

/** Legal but fragile settings. Call after validateFreshnessParams() returned no error. */
export function freshnessWarnings (params: FreshnessParams): string[] {
  const warnings: string[] = []
  if (params.staleS < 2 * params.refreshS) {
    warnings.push(`freshness.staleS (${params.staleS}) < 2 × refreshS (${params.refreshS}): one late or lost refresh makes a route stale`)
  }
  if (params.maxAgeS < params.staleS + 2 * params.refreshS) {
    warnings.push(`freshness.maxAgeS (${params.maxAgeS}) < staleS + 2 × refreshS: a stale route gets barely one refresh to recover before it expires`)
  }
  return warnings
}
