/**
 * The consumer's side of the data plane: a task that entered this daemon at its A2A
 * endpoint is resolved to ranked paths and sent on the best one the admission hook
 * lets through (./admission.ts). A path that fails before its agent accepted the task
 * (unreachable, refused, a hop down) is replaced by the next-ranked one, up to
 * `forwarding.attempts` paths; once an agent accepted, never again
 * (agp/task/forwarding.ts nextAttempt). Every attempt is settled: admission hook,
 * local evidence (the same as POST /v1/outcomes), atpd_tasks_total{role="consumer"}.
 */
import type { SendMessageRequest, StreamResponse } from '@a2a-js/sdk'
import type { Logger } from 'pino'
import type { Outcome, ResolveQuery, ResolveResult } from '../../reflector/index.ts'
import { A2A_TASK_COMPLETED, nextAttempt, type PathChoice, TaskErrorCode, type TaskErrorFrame } from '../../agp/index.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { decodeA2aEvent, encodeA2aRequest } from './a2a-codec.ts'
import type { AdmissionRefusal, TaskAdmission, TaskSettlement } from './admission.ts'
import type { TaskLeg } from './task-leg.ts'
import { taskOutcome, type ForwardingConfig, type TaskRouter } from './task-router.ts'

export interface ConsumerComponents {
  readonly router: TaskRouter
  readonly resolve: (query: ResolveQuery) => ResolveResult | undefined
  readonly recordOutcome: (outcome: Outcome) => Promise<void>
  readonly admission: TaskAdmission
  readonly metrics?: Metrics
  readonly logger: Logger
  readonly nowMs: () => number
}

export interface ConsumerTask {
  readonly taskId: string
  readonly query: ResolveQuery
  readonly request: SendMessageRequest
  readonly stream: boolean
  /** Each A2A event of the attempt that is answering, in order. */
  readonly onEvent: (event: StreamResponse, servedBy: PathChoice) => void
}

export type ConsumerResult =
  | { readonly ok: true, readonly servedBy: PathChoice }
  | {
    readonly ok: false, readonly error: TaskErrorFrame, readonly accepted: boolean, readonly servedBy?: PathChoice
    /** Refused by this daemon's window or budget: when trying again may succeed. */
    readonly retryAfterMs?: number
  }

/** Most paths taken from one resolve (attempts are far fewer). */
const MAX_CANDIDATES = 16

export class Consumer {
  private readonly running = new Map<string, TaskLeg>()

  constructor (private readonly c: ConsumerComponents, private readonly org: string, private readonly config: ForwardingConfig) {}

  /** Cancels a task this consumer is running; false when it is not running. */
  cancel (taskId: string): boolean {
    const leg = this.running.get(taskId)
    leg?.cancel()
    return leg !== undefined
  }

  async run (task: ConsumerTask): Promise<ConsumerResult> {
    const refused = (text: string): ConsumerResult => ({ ok: false, accepted: false, error: { type: 'error', code: TaskErrorCode.NoRoute, text, org: this.org } })
    const resolved = this.c.resolve({ ...task.query, limit: MAX_CANDIDATES })
    if (resolved === undefined || resolved.candidates.length === 0) return refused(`no usable route for '${task.query.capability}'`)
    const startedMs = this.c.nowMs()
    // Encoded once for every attempt; its size is what the windows estimate tokens from.
    const a2aRequest = encodeA2aRequest(task.request)
    let attempts = 0
    let last: ConsumerResult | undefined
    let refusal: AdmissionRefusal | undefined
    for (const candidate of resolved.candidates) {
      const a = candidate.view.route.attrs
      const path: PathChoice = { capability: a.capability, originOrg: a.originOrg, agentId: a.agentId, costUsd: a.costUsd }
      const admitted = await this.c.admission.admit(path, this.c.nowMs(), a2aRequest.byteLength)
      if (admitted !== true) {
        // A budget refusal outranks a full window: the budget holds on every path.
        if (typeof admitted !== 'string' && refusal?.reason !== 'over-budget') refusal = admitted
        this.c.logger.debug({ path, reason: typeof admitted === 'string' ? admitted : admitted.text }, 'path not admitted')
        continue
      }
      attempts++
      const remainingMs = this.config.timeoutMs - (this.c.nowMs() - startedMs)
      const result = await this.attempt(task, a2aRequest, path, Math.max(1, remainingMs))
      last = result
      const outcome = result.ok ? { kind: 'completed' as const } : { kind: 'failed' as const, code: result.error.code, accepted: result.accepted }
      if (nextAttempt(outcome, attempts, this.config.attempts, remainingMs) === 'done') break
      if (!result.ok) this.c.logger.info({ task: task.taskId, path, code: result.error.code, text: result.error.text }, 'path failed before its agent accepted the task; trying the next')
    }
    if (last === undefined && refusal?.reason === 'over-window' && this.c.admission.waitForRoom !== undefined) {
      // Every window was full: queue (bounded, with a deadline) for the first path that frees up.
      const paths = resolved.candidates.map((c): PathChoice => {
        const a = c.view.route.attrs
        return { capability: a.capability, originOrg: a.originOrg, agentId: a.agentId, costUsd: a.costUsd }
      })
      const waited = await this.c.admission.waitForRoom(paths, this.c.nowMs(), a2aRequest.byteLength)
      if ('agentId' in waited) {
        const remainingMs = this.config.timeoutMs - (this.c.nowMs() - startedMs)
        return await this.attempt(task, a2aRequest, waited, Math.max(1, remainingMs))
      }
      refusal = waited
    }
    if (last !== undefined) return last
    if (refusal === undefined) return refused(`no path for '${resolved.capability}' was admitted`)
    const code = refusal.reason === 'over-budget' ? TaskErrorCode.OverBudget : TaskErrorCode.OverWindow
    return { ok: false, accepted: false, retryAfterMs: refusal.retryAfterMs, error: { type: 'error', code, text: refusal.text, org: this.org } }
  }

  private async attempt (task: ConsumerTask, a2aRequest: Uint8Array, path: PathChoice, deadlineMs: number): Promise<ConsumerResult> {
    const startedMs = this.c.nowMs()
    let accepted = false
    const result = await new Promise<{ last: Parameters<typeof taskOutcome>[0], result: ConsumerResult }>((resolve) => {
      const leg = this.c.router.dispatch({
        type: 'request', taskId: task.taskId, capability: path.capability, originOrg: path.originOrg, agentId: path.agentId,
        deadlineMs, hops: 0, a2aRequest, stream: task.stream, consumerOrg: this.org
      }, '', (reply) => {
        switch (reply.type) {
          case 'accepted': accepted = true; return
          case 'event': {
            let event: StreamResponse
            try {
              event = decodeA2aEvent(reply.a2aEvent)
            } catch (err) {
              this.c.logger.warn({ task: task.taskId, err: (err as Error).message }, 'undecodable A2A event dropped')
              return
            }
            task.onEvent(event, path)
            return
          }
          case 'end':
            this.running.delete(task.taskId)
            resolve({ last: reply, result: reply.finalState === A2A_TASK_COMPLETED ? { ok: true, servedBy: path } : { ok: false, accepted: true, servedBy: path, error: { type: 'error', code: TaskErrorCode.AgentFailed, text: 'the agent\'s task did not complete', org: path.originOrg } } })
            return
          case 'error':
            this.running.delete(task.taskId)
            resolve({ last: reply, result: { ok: false, accepted, servedBy: path, error: reply } })
        }
      })
      this.running.set(task.taskId, leg)
    })
    const latencyMs = this.c.nowMs() - startedMs
    const settlement: TaskSettlement = {
      outcome: taskOutcome(result.last) as TaskSettlement['outcome'],
      accepted,
      latencyMs,
      costUsd: result.last.type === 'end' ? result.last.costUsd : 0
    }
    this.settle(path, settlement)
    return result.result
  }

  private settle (path: PathChoice, s: TaskSettlement): void {
    this.c.admission.settle(path, s, this.c.nowMs())
    this.c.metrics?.task('consumer', s.outcome, s.latencyMs / 1000)
    // Refusals, cancels and overload answers say nothing about the agent's quality (an
    // overload is the window's business); everything else is evidence.
    if (s.outcome === 'refused' || s.outcome === 'canceled' || s.outcome === 'overloaded') return
    void this.c.recordOutcome({
      org: path.originOrg, agent: path.agentId, capability: path.capability, success: s.outcome === 'success',
      latencyMs: s.latencyMs, ...(s.accepted ? { costUsd: s.costUsd } : {})
    }).catch((err: unknown) => { this.c.logger.warn({ err: String(err) }, 'recording a task outcome failed') })
  }
}
