/**
 * Tunables of the congestion windows (config key `windows:`), with their defaults.
 * The task window follows TCP's congestion window (RFC 5681): slow start from
 * `initialTasks` up to `slowStartThreshold`, then one more task per window of
 * successes, and a multiplicative `decrease` on every congestion signal.
 */
import { InvalidArgumentError } from '../../kernel/index.ts'

export interface WindowParams {
  /** Tasks in flight allowed on a path never used before (TCP's initial window). */
  readonly initialTasks: number
  /** Below it the window grows by one per success (doubling per window); above, by one per window. */
  readonly slowStartThreshold: number
  /** Factor applied to every window on a congestion signal, in (0, 1). */
  readonly decrease: number
  /** Latency target of a task; unset: the path's advertised p95. */
  readonly sloMs?: number
  /** Upper bound of any task window (TCP's receive window plays this part). */
  readonly maxTasks: number
  /** Tasks waiting for room when no path has any (bounded). */
  readonly maxQueue: number
  /** How long a task may wait in that queue before it is refused as over window. */
  readonly queueTimeoutMs: number
  /** Windows kept (one per path and consumer org); the least recently used idle one goes first. */
  readonly maxPaths: number
}

export const DEFAULT_WINDOW_PARAMS: WindowParams = Object.freeze({
  initialTasks: 1,
  slowStartThreshold: 16,
  decrease: 0.5,
  maxTasks: 1024,
  maxQueue: 256,
  queueTimeoutMs: 5000,
  maxPaths: 10_000
})

/** Error messages, one per bad field; empty when the parameters are usable. */
export function validateWindowParams (p: WindowParams): string[] {
  const errors: string[] = []
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) errors.push(`${name} must be an integer ≥ 1 (got ${v})`)
  }
  positiveInt('initialTasks', p.initialTasks)
  positiveInt('slowStartThreshold', p.slowStartThreshold)
  positiveInt('maxPaths', p.maxPaths)
  positiveInt('maxTasks', p.maxTasks)
  if (p.initialTasks > p.maxTasks) errors.push(`initialTasks must not exceed maxTasks (${p.maxTasks})`)
  if (!Number.isInteger(p.maxQueue) || p.maxQueue < 0) errors.push(`maxQueue must be an integer ≥ 0 (got ${p.maxQueue})`)
  if (!(p.decrease > 0 && p.decrease < 1)) errors.push(`decrease must be in (0, 1) (got ${p.decrease})`)
  if (p.sloMs !== undefined && !(Number.isFinite(p.sloMs) && p.sloMs > 0)) errors.push(`sloMs must be a number > 0 (got ${p.sloMs})`)
  if (!(Number.isFinite(p.queueTimeoutMs) && p.queueTimeoutMs >= 0)) errors.push(`queueTimeoutMs must be a number ≥ 0 (got ${p.queueTimeoutMs})`)
  return errors
}

/** validateWindowParams as a typed error, for code paths that cannot report a list. */
export function assertWindowParams (p: WindowParams): void {
  const errors = validateWindowParams(p)
  if (errors.length > 0) throw new InvalidArgumentError(`windows: ${errors.join('; ')}`)
}
