export { combineEvidence, decayEvidence, decayWeight, NO_EVIDENCE, sanitizeEvidence, type Evidence } from './evidence.ts'
export { DEFAULT_WINRATE_Z, WINRATE_PRIOR, winRateLowerBound, winRateMean } from './estimator.ts'
export {
  BREAKER_FAILURES, BREAKER_OPEN_MS, BREAKER_PROBE_TIMEOUT_MS, DEFAULT_LOCAL_OUTCOMES_MAX_ENTRIES, LocalOutcomes, type BreakerState, type LocalOutcomesInit, type OutcomeMeasures,
  type OutcomeRecord
} from './local-outcomes.ts'
