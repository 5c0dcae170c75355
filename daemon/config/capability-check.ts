/**
 * Capability checks for config and API validation, on the core's grammar
 * (agp/capability/grammar.ts): one grammar everywhere, one set of bounds.
 */
import { capabilityProblem, isCapability, MAX_CAPABILITY_DEPTH, MAX_CAPABILITY_LENGTH, MAX_SEGMENT_LENGTH } from '../../agp/capability/grammar.ts'

export { isCapability, MAX_CAPABILITY_DEPTH, MAX_CAPABILITY_LENGTH, MAX_SEGMENT_LENGTH }

export const CAPABILITY_REASON = `not a capability (lowercase [a-z0-9-] segments joined by '/', at most ${MAX_CAPABILITY_DEPTH} segments of ${MAX_SEGMENT_LENGTH} characters, ${MAX_CAPABILITY_LENGTH} in all)`

/** The reason with the grammar's specific problem, e.g. "…: capability segment 2 is empty". */
export function capabilityReason (value: unknown): string {
  const problem = capabilityProblem(value)
  return problem === undefined ? CAPABILITY_REASON : `${CAPABILITY_REASON}: ${problem}`
}
