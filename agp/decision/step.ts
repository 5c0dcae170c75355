/**
 * Decision steps, GoBGP style: each layer of the decision process is an ordered list
 * of small named comparators. The first step that tells two candidates apart decides,
 * and its name is the reason shown by the API (`reason` in GET /v1/resolve).
 */

export interface DecisionStep<T> {
  readonly name: string
  /** The RFC section the step implements or borrows from. */
  readonly rfc?: string
  /** Negative: a is better; positive: b is better; 0: this step cannot tell. */
  compare (a: T, b: T): number
}

export interface Decision {
  /** −1: a is better, 1: b is better, 0: every step tied. */
  readonly cmp: number
  /** Name of the deciding step, or EQUAL_REASON. */
  readonly reason: string
}

/** Reason when no step tells the candidates apart (copies of one path). */
export const EQUAL_REASON = 'equal'
/** Reason of the first candidate in a ranking. */
export const BEST_REASON = 'best'

export function decide<T> (steps: readonly DecisionStep<T>[], a: T, b: T): Decision {
  for (const step of steps) {
    const c = step.compare(a, b)
    // A comparator returning NaN cannot tell: treat as a tie rather than corrupt a sort.
    if (c < 0) return { cmp: -1, reason: step.name }
    if (c > 0) return { cmp: 1, reason: step.name }
  }
  return { cmp: 0, reason: EQUAL_REASON }
}

/** decide(...).reason without allocating a Decision. */
export function decideReason<T> (steps: readonly DecisionStep<T>[], a: T, b: T): string {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as DecisionStep<T>
    const c = step.compare(a, b)
    if (c < 0 || c > 0) return step.name
  }
  return EQUAL_REASON
}

/** decide() without the reason and without allocating: for sort comparators. */
export function compareBy<T> (steps: readonly DecisionStep<T>[], a: T, b: T): number {
  for (const step of steps) {
    const c = step.compare(a, b)
    if (c < 0) return -1
    if (c > 0) return 1
  }
  return 0
}

export interface Ranked<T> {
  readonly candidate: T
  /** The step that placed it below the one above it; 'best' for the first. */
  readonly reason: string
}

/** Sort best first (stable) and explain every position. */
export function rankBy<T> (steps: readonly DecisionStep<T>[], candidates: readonly T[]): Ranked<T>[] {
  const sorted = [...candidates].sort((a, b) => compareBy(steps, a, b))
  return sorted.map((candidate, i) => {
    const above = i === 0 ? undefined : sorted[i - 1]
    return { candidate, reason: above === undefined ? BEST_REASON : decide(steps, above, candidate).reason }
  })
}

/** Best candidate under the steps, without sorting; undefined for an empty list. */
export function bestBy<T> (steps: readonly DecisionStep<T>[], candidates: readonly T[]): T | undefined {
  let best: T | undefined
  for (const c of candidates) if (best === undefined || compareBy(steps, c, best) < 0) best = c
  return best
}

/** Building blocks for steps. NaN sorts as the worst value, so every key is totally ordered. */
export function higherFirst (a: number, b: number): number {
  const x = Number.isNaN(a) ? -Infinity : a
  const y = Number.isNaN(b) ? -Infinity : b
  return x > y ? -1 : x < y ? 1 : 0
}

export function lowerFirst (a: number, b: number): number {
  const x = Number.isNaN(a) ? Infinity : a
  const y = Number.isNaN(b) ? Infinity : b
  return x < y ? -1 : x > y ? 1 : 0
}

/** Code-unit order, never localeCompare: the same on every node whatever its locale. */
export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function trueFirst (a: boolean, b: boolean): number {
  return a === b ? 0 : a ? -1 : 1
}
