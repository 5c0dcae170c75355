export {
  DEFAULT_CLOCK_SKEW_TOLERANCE_MS, evidenceHalfLifeMs, freshnessState, isBeyondClockSkew, nextFreshnessChangeMs,
  routeAgeMs, type FreshnessState
} from './freshness.ts'
export { freshnessWarnings, validateFreshnessParams } from './validate.ts'
