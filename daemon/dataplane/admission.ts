/**
 * The seam between choosing a path and sending a task on it, in the consumer's
 * forwarding path:
 *
 *   choose path (resolve rank) → admit? → forward → settle(outcome, latency, usage)
 *
 * `admit` may refuse a path (its window is full, its budget spent): the consumer then
 * tries the next-ranked path without counting an attempt. Every admitted task is
 * settled exactly once, whatever happened to it, so a window implementation can keep
 * tasks-in-flight, tokens/min or USD/min exact. The default admits everything.
 */
import type { PathChoice } from '../../agp/index.ts'

export interface TaskSettlement {
  /** completed: the agent's task completed; failure: anything else that reached an answer; the rest never got one. */
  readonly outcome: 'success' | 'failure' | 'overloaded' | 'timeout' | 'unreachable' | 'refused' | 'canceled'
  /** The agent accepted the task (it was not retried elsewhere). */
  readonly accepted: boolean
  readonly latencyMs: number
  /** What the agent reported it cost (or its route's advertised cost); 0 when it never ran. */
  readonly costUsd: number
}

/** Why a path was not admitted, kept for the consumer's error when no path was. */
export interface AdmissionRefusal {
  readonly reason: 'over-window' | 'over-budget'
  readonly text: string
  readonly retryAfterMs: number
}

export type AdmitAnswer = true | string | AdmissionRefusal

export interface TaskAdmission {
  /**
   * true: send on this path now; a string or a refusal: why not (logged), try the next
   * path. May wait (a window's queue) by returning a promise; the task's deadline still runs.
   */
  admit (path: PathChoice, nowMs: number, messageBytes: number): AdmitAnswer | Promise<AdmitAnswer>
  settle (path: PathChoice, settlement: TaskSettlement, nowMs: number): void
  /**
   * Every path refused for lack of room: wait in a bounded queue (with its own deadline)
   * until one of `paths` (best first) has room. `messageBytes`: the A2A request as it
   * travels, from which usage (tokens) is estimated before the call. Resolves with the path admitted — to be
   * settled like any other — or with why none was. Absent: no queue, refuse at once.
   */
  waitForRoom? (paths: readonly PathChoice[], nowMs: number, messageBytes: number): Promise<PathChoice | AdmissionRefusal>
}

export const ADMIT_ALL: TaskAdmission = Object.freeze({
  admit: () => true as const,
  settle: () => {}
})
