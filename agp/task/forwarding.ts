/**
 * The forwarding decisions of the data plane, pure: where a task for a path goes
 * next (`NextHop`, computed by the Speaker from its RIBs), which failures may be
 * retried on another path, and the consumer's attempt plan.
 *
 * The rule that keeps the data plane inside the control plane's policy: a hop
 * forwards a task for (capability, path) only to the neighbor it learned that path
 * from, and only when it advertised that path to the requester (the requester's
 * Adj-RIB-Out holds it, i.e. export policy let the requester see it). So no hop can
 * use a route it was not given, and a partner never becomes transit for another:
 * export policy never advertised one partner's routes to the other.
 */
import { TaskErrorCode } from './task-frame.ts'

export type NextHop =
  /** This node originates the path: call the local agent. */
  | { readonly kind: 'local', readonly agentId: string }
  /** Forward to this neighbor (the one the path was learned from). */
  | { readonly kind: 'neighbor', readonly peer: string }
  | { readonly kind: 'refuse', readonly code: TaskErrorCode, readonly reason: string }

export interface ForwardQuery {
  readonly capability: string
  readonly originOrg: string
  readonly agentId: string
  /** Neighbor the task came from; '' for this node's own consumer (the A2A endpoint). */
  readonly requester: string
}

/**
 * Failures after which the consumer may try the next-ranked path: the task never
 * reached an agent that accepted it. Anything else (the agent failed, the deadline
 * passed, it was canceled) is the task's answer.
 */
export function isRetryableBeforeAccept (code: TaskErrorCode): boolean {
  switch (code) {
    case TaskErrorCode.NoRoute:
    case TaskErrorCode.NotGiven:
    case TaskErrorCode.Unreachable:
    case TaskErrorCode.Overloaded:
    case TaskErrorCode.HopDown:
      return true
    default:
      return false
  }
}

/** A path the consumer may try, as resolve ranked it. */
export interface PathChoice {
  readonly capability: string
  readonly originOrg: string
  readonly agentId: string
  readonly costUsd: number
}

/** How one attempt ended, as the consumer's driver saw it. */
export type AttemptOutcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed', readonly code: TaskErrorCode, readonly accepted: boolean }

/**
 * The consumer's next step after an attempt: stop with the outcome, or try the next
 * ranked path. A task is tried on at most `attempts` paths, and never again once an
 * agent accepted it (it may have had effects).
 */
export function nextAttempt (outcome: AttemptOutcome, attemptsMade: number, attempts: number, remaining: number): 'done' | 'retry' {
  if (outcome.kind === 'completed') return 'done'
  if (outcome.accepted || !isRetryableBeforeAccept(outcome.code)) return 'done'
  return attemptsMade < attempts && remaining > 0 ? 'retry' : 'done'
}
