/**
 * What a finished task tells the window. Congestion is signalled the way TCP learns
 * it: a loss (timeout), an explicit mark (an overload answer: HTTP 429/503 or the A2A
 * overload error, like ECN, RFC 3168), or delay above the target (delay-based control
 * as in TCP Vegas / LEDBAT, RFC 6817). A plain failure of the agent (it answered, but
 * the task failed) says nothing about load and leaves the window alone.
 */

/** Usage of one task: tokens (input + output) and dollars. */
export interface Usage {
  readonly tokens: number
  readonly usd: number
}

export const ZERO_USAGE: Usage = Object.freeze({ tokens: 0, usd: 0 })

export type TaskOutcome =
  /** The agent completed the task; `usage` is what it reported (the estimate when it reported nothing). */
  | { readonly kind: 'success', readonly latencyMs: number, readonly usage?: Usage }
  /** The agent or a hop answered that it is overloaded (HTTP 429/503, A2A overload). */
  | { readonly kind: 'overload', readonly usage?: Usage }
  /** No answer within the deadline. */
  | { readonly kind: 'timeout', readonly usage?: Usage }
  /** The task failed for another reason (bad input, agent error). Not a load signal. */
  | { readonly kind: 'failure', readonly usage?: Usage }

export type Signal = 'grow' | 'congestion' | 'none'

/**
 * Below this share of the target a completed task grows the window; between it and
 * the target the window holds. The band (TCP Vegas' α/β idea) keeps the windows from
 * climbing until latency touches the target, so most tasks finish under it.
 */
export const GROW_BELOW_SLO = 0.5

/** How an outcome moves the window, given the path's latency target. */
export function signalOf (outcome: TaskOutcome, sloMs: number): Signal {
  switch (outcome.kind) {
    case 'success':
      // A latency that cannot be read (NaN) is not evidence of a fast path.
      if (outcome.latencyMs <= sloMs * GROW_BELOW_SLO) return 'grow'
      return outcome.latencyMs <= sloMs ? 'none' : 'congestion'
    case 'overload':
    case 'timeout':
      return 'congestion'
    case 'failure':
      return 'none'
  }
}

/** A usage with every field finite and ≥ 0 (bad reports count as zero, never NaN). */
export function sanitizeUsage (u: Usage | undefined, fallback: Usage): Usage {
  if (u === undefined) return fallback
  const clean = (x: number): number => Number.isFinite(x) && x > 0 ? x : 0
  return { tokens: clean(u.tokens), usd: clean(u.usd) }
}
