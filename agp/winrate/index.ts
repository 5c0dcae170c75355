export { combineEvidence, decayEvidence, decayWeight, NO_EVIDENCE, sanitizeEvidence, type Evidence } from './evidence.ts'
export { DEFAULT_WINRATE_Z, WINRATE_PRIOR, winRateLowerBound, winRateMean } from './estimator.ts'
export { DEFAULT_LOCAL_OUTCOMES_MAX_ENTRIES, LocalOutcomes, type LocalOutcomesInit } from './local-outcomes.ts'
