/**
 * The origin's leg of a task: call the local agent with the A2A SDK client (streaming
 * when the consumer streams and the agent's card says it can), relay its events, end
 * with the measured latency and the cost it reported. `accepted` goes back once the
 * agent produced its first event: from then on the task is never retried elsewhere.
 * The deadline is the router's (it cancels the leg).
 */
import { type SendMessageRequest, type StreamResponse, TaskState } from '@a2a-js/sdk'
import type { LocalAgent } from '../../reflector/index.ts'
import { TaskErrorCode, type TaskRequestFrame } from '../../agp/index.ts'
import { AgentOverloadedError, type AgentClients } from './agent-clients.ts'
import { agentTaskId, decodeA2aRequest, encodeA2aEvent, eventState, reportedCostUsd, resultEvent } from './a2a-codec.ts'
import type { ReplySink, TaskLeg } from './task-leg.ts'

export interface OriginLegInit {
  readonly agent: LocalAgent
  readonly request: TaskRequestFrame
  readonly clients: AgentClients
  readonly org: string
  readonly nowMs: () => number
  /** Told how the agent did, for measured metrics. */
  readonly onMeasured?: (agentId: string, success: boolean, latencyMs: number) => void
}

export function runOriginLeg (init: OriginLegInit, sink: ReplySink): TaskLeg {
  const abort = new AbortController()
  const startedMs = init.nowMs()
  let accepted = false
  let agentTask: string | undefined
  let lastState: ReturnType<typeof eventState>
  let costUsd = init.agent.costUsd

  const relay = (event: StreamResponse): void => {
    if (!accepted) { accepted = true; sink({ type: 'accepted' }) }
    agentTask ??= agentTaskId(event)
    lastState = eventState(event) ?? lastState
    costUsd = reportedCostUsd(event) ?? costUsd
    sink({ type: 'event', a2aEvent: encodeA2aEvent(event) })
  }

  void (async () => {
    let params: SendMessageRequest
    try {
      params = decodeA2aRequest(init.request.a2aRequest)
    } catch (err) {
      sink({ type: 'error', code: TaskErrorCode.BadFrame, text: `not an A2A request: ${(err as Error).message}`, org: init.org })
      return
    }
    try {
      const client = await init.clients.get(init.agent.endpoint)
      const card = await client.getAgentCard()
      if (init.request.stream && card.capabilities?.streaming === true) {
        for await (const event of client.sendMessageStream(params, { signal: abort.signal })) relay(event)
      } else {
        relay(resultEvent(await client.sendMessage(params, { signal: abort.signal })))
      }
      const latencyMs = init.nowMs() - startedMs
      init.onMeasured?.(init.agent.id, lastState === TaskState.TASK_STATE_COMPLETED, latencyMs)
      sink({ type: 'end', agentLatencyMs: latencyMs, costUsd, finalState: lastState ?? 0 })
    } catch (err) {
      if (abort.signal.aborted) return
      if (isOverload(err)) {
        // No room at the agent is not a broken agent: no measured failure, no forgotten
        // client; the consumer's window backs off on Overloaded and may try another path.
        sink({ type: 'error', code: TaskErrorCode.Overloaded, text: `agent ${init.agent.id}: ${(err as Error).message}`, org: init.org })
        return
      }
      if (!accepted) init.clients.forget(init.agent.endpoint)
      init.onMeasured?.(init.agent.id, false, init.nowMs() - startedMs)
      // Before the agent took the task, any failure to talk to it is "unreachable" (the
      // consumer may try another path); after, it is the agent failing this task.
      const code = accepted ? TaskErrorCode.AgentFailed : TaskErrorCode.Unreachable
      sink({ type: 'error', code, text: `agent ${init.agent.id}: ${(err as Error).message}`, org: init.org })
    }
  })()

  return {
    cancel () {
      if (abort.signal.aborted) return
      abort.abort(new Error('task canceled'))
      sink({ type: 'error', code: TaskErrorCode.Canceled, text: `task canceled at ${init.org}`, org: init.org })
      const id = agentTask
      if (id !== undefined) {
        void init.clients.get(init.agent.endpoint).then(async (c) => await c.cancelTask({ tenant: '', id, metadata: undefined })).catch(() => {})
      }
    }
  }
}

function isOverload (err: unknown): boolean {
  return err instanceof AgentOverloadedError || (err instanceof Error && err.cause instanceof AgentOverloadedError)
}
