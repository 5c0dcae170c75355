/**
 * Validation of damping parameters (config `damping:`). Errors make the config
 * unusable; warnings describe a config that works but cannot do what damping is for
 * (an operator is warned when the suppress limit can never be reached).
 */
import type { DampingParams } from '../params.ts'
import { penaltyCeiling } from './damping.ts'

export interface DampingValidation {
  readonly errors: string[]
  readonly warnings: string[]
}

const POSITIVE = ['halfLifeS', 'suppress', 'reuse', 'maxSuppressS'] as const
const NON_NEGATIVE = ['withdrawPenalty', 'changePenalty', 'readvertisePenalty'] as const
const BAND = ['costRel', 'latencyRel', 'winRateAbs'] as const

export function validateDampingParams (params: DampingParams): DampingValidation {
  const errors: string[] = []
  const warnings: string[] = []
  for (const k of POSITIVE) {
    if (!isFiniteNumber(params[k]) || params[k] <= 0) errors.push(`damping.${k} must be a finite number > 0 (got ${String(params[k])})`)
  }
  for (const k of NON_NEGATIVE) {
    if (!isFiniteNumber(params[k]) || params[k] < 0) errors.push(`damping.${k} must be a finite number ≥ 0 (got ${String(params[k])})`)
  }
  const band = params.hysteresis as DampingParams['hysteresis'] | undefined
  if (band === undefined || band === null || typeof band !== 'object') {
    errors.push('damping.hysteresis must be an object { costRel, latencyRel, winRateAbs }')
  } else {
    for (const k of BAND) {
      if (!isFiniteNumber(band[k]) || band[k] < 0) errors.push(`damping.hysteresis.${k} must be a finite number ≥ 0 (got ${String(band[k])})`)
    }
    if (isFiniteNumber(band.winRateAbs) && band.winRateAbs > 1) warnings.push(`damping.hysteresis.winRateAbs ${band.winRateAbs} > 1: no win-rate change is ever an attribute change`)
  }
  if (errors.length > 0) return { errors, warnings }

  if (params.reuse >= params.suppress) {
    errors.push(`damping.reuse (${params.reuse}) must be below damping.suppress (${params.suppress}): they form a hysteresis`)
    return { errors, warnings }
  }
  const ceiling = penaltyCeiling(params)
  if (ceiling < params.suppress) {
    warnings.push(`damping: the suppress limit ${params.suppress} can never be reached: the ceiling reuse·2^(maxSuppressS/halfLifeS) = ${round(ceiling)} is below it; raise maxSuppressS or lower suppress`)
  }
  if (Math.max(params.withdrawPenalty, params.changePenalty, params.readvertisePenalty) === 0) {
    warnings.push('damping: every penalty is 0, so no route is ever suppressed')
  }
  // A history whose penalty is below reuse/2 is forgotten (isForgettable, damping.ts):
  // a change that adds no more than that is dropped at once, so changes alone never add up.
  if (params.changePenalty > 0 && params.changePenalty <= params.reuse / 2) {
    warnings.push(`damping.changePenalty (${params.changePenalty}) ≤ reuse/2 (${round(params.reuse / 2)}): an attribute change alone is forgotten at once, so changes can never accumulate to suppress a flapping route; raise changePenalty above reuse/2 (or set it to 0 to say so)`)
  }
  const single = [['withdrawPenalty', params.withdrawPenalty], ['changePenalty', params.changePenalty], ['readvertisePenalty', params.readvertisePenalty]] as const
  for (const [k, v] of single) {
    if (v >= params.suppress && ceiling >= params.suppress) warnings.push(`damping.${k} (${v}) ≥ suppress (${params.suppress}): a single event suppresses the route`)
  }
  return { errors, warnings }
}

function isFiniteNumber (v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

function round (x: number): number {
  return Math.round(x * 100) / 100
}
