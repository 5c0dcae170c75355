/** Route flap damping (RFC 2439, RFC 7196 defaults). See docs/damping.md. */
export { applyDampingEvent, decayedPenalty, eventPenalty, isForgettable, isSuppressed, penaltyCeiling, reuseAtMs } from './damping.ts'
export type { DampingEvent, DampingState } from './damping.ts'
export { classifyChange, withinRel } from './classify-change.ts'
export type { ChangeKind } from './classify-change.ts'
export { validateDampingParams } from './validate-damping-params.ts'
export type { DampingValidation } from './validate-damping-params.ts'
export { decodeDampingState, encodeDampingState } from './damping-state-codec.ts'
