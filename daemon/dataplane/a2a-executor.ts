/**
 * The AgentExecutor behind the daemon's A2A endpoint: instead of doing the work it
 * hands the task to the consumer (./consumer.ts), which sends it through the
 * federation, and republishes the serving agent's events on the SDK's event bus —
 * with the task and context ids of this endpoint's task (the agent's own ids mean
 * nothing to the client) and `servedBy: { org, agent }` in the task's metadata. A
 * task that gets no answer ends `failed` with a status message that says why and at
 * which org.
 */
import { randomUUID } from 'node:crypto'
import { type Message, Role, type StreamResponse, TaskState } from '@a2a-js/sdk'
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server'
import type { ResolveQuery } from '../../reflector/index.ts'
import type { PathChoice } from '../../agp/index.ts'
import { TaskErrorCode } from '../../agp/index.ts'
import { isFinalState } from './a2a-codec.ts'
import type { Consumer } from './consumer.ts'

/** ServerCallContext.state key under which the HTTP route leaves the resolve query. */
export const ATP_QUERY_STATE = 'atp.query'

export class ForwardingExecutor implements AgentExecutor {
  private readonly canceled = new Set<string>()

  constructor (private readonly consumer: Consumer) {}

  async execute (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const base = ctx.context.state.get(ATP_QUERY_STATE) as ResolveQuery | undefined
    if (base === undefined) throw new Error('no capability in the call context')
    const query = withMetadataConstraints(base, ctx.request.metadata)
    const { taskId, contextId } = ctx
    let published = false
    let final = false
    const publish = (event: StreamResponse, servedBy: PathChoice): void => {
      const p = event.payload
      if (p === undefined) return
      const servedByMeta = { servedBy: { org: servedBy.originOrg, agent: servedBy.agentId, capability: servedBy.capability } }
      switch (p.$case) {
        case 'task':
          published = true
          final = isFinalState(p.value.status?.state)
          bus.publish(AgentEvent.task({
            ...p.value, id: taskId, contextId,
            history: p.value.history.map((m) => ({ ...m, taskId, contextId })),
            status: p.value.status === undefined ? undefined : { ...p.value.status, message: rebind(p.value.status.message, taskId, contextId) },
            metadata: { ...p.value.metadata, ...servedByMeta }
          }))
          return
        case 'message':
          published = true
          final = true
          bus.publish(AgentEvent.message({ ...p.value, taskId: '', contextId, metadata: { ...p.value.metadata, ...servedByMeta } }))
          return
        case 'statusUpdate':
          if (!published) this.publishTask(bus, ctx, TaskState.TASK_STATE_SUBMITTED, undefined, servedByMeta)
          published = true
          final = isFinalState(p.value.status?.state)
          bus.publish(AgentEvent.statusUpdate({
            ...p.value, taskId, contextId,
            status: p.value.status === undefined ? undefined : { ...p.value.status, message: rebind(p.value.status.message, taskId, contextId) }
          }))
          return
        case 'artifactUpdate':
          if (!published) this.publishTask(bus, ctx, TaskState.TASK_STATE_SUBMITTED, undefined, servedByMeta)
          published = true
          bus.publish(AgentEvent.artifactUpdate({ ...p.value, taskId, contextId }))
      }
    }
    // The endpoint's task and context ids mean nothing to the serving agent: it starts
    // a task of its own (follow-up turns are not carried across the federation).
    const message = ctx.request.message === undefined ? undefined : { ...ctx.request.message, taskId: '', contextId: '' }
    const request = { ...ctx.request, message }
    const result = await this.consumer.run({ taskId, query, request, stream: true, onEvent: publish })
    if (!result.ok && !final && !this.canceled.delete(taskId)) {
      const e = result.error
      const text = `atpd: ${TaskErrorCode[e.code] ?? 'Internal'}${e.org === '' ? '' : ` at ${e.org}`}: ${e.text}`
      const meta = result.servedBy === undefined ? {} : { servedBy: { org: result.servedBy.originOrg, agent: result.servedBy.agentId, capability: result.servedBy.capability } }
      const atpError = { code: TaskErrorCode[e.code], org: e.org, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) }
      if (!published) {
        this.publishTask(bus, ctx, TaskState.TASK_STATE_FAILED, text, { ...meta, atpError })
      } else {
        bus.publish(AgentEvent.statusUpdate({
          taskId, contextId, metadata: { atpError },
          status: { state: TaskState.TASK_STATE_FAILED, message: agentMessage(taskId, contextId, text), timestamp: new Date().toISOString() }
        }))
      }
    }
    bus.finished()
  }

  async cancelTask (taskId: string, bus: ExecutionEventBus): Promise<void> {
    if (this.consumer.cancel(taskId)) this.canceled.add(taskId)
    bus.publish(AgentEvent.statusUpdate({
      taskId, contextId: '', metadata: undefined,
      status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() }
    }))
    bus.finished()
  }

  private publishTask (bus: ExecutionEventBus, ctx: RequestContext, state: TaskState, text: string | undefined, metadata: Record<string, unknown>): void {
    bus.publish(AgentEvent.task({
      id: ctx.taskId, contextId: ctx.contextId, artifacts: [], history: [ctx.userMessage], metadata,
      status: { state, message: text === undefined ? undefined : agentMessage(ctx.taskId, ctx.contextId, text), timestamp: new Date().toISOString() }
    }))
  }
}

function rebind (m: Message | undefined, taskId: string, contextId: string): Message | undefined {
  return m === undefined ? undefined : { ...m, taskId, contextId }
}

function agentMessage (taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, metadata: undefined, extensions: [], referenceTaskIds: [],
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }]
  }
}

/** Constraints a client may put in the request's A2A metadata: maxCostUsd, maxLatencyMs, region. */
export function withMetadataConstraints (query: ResolveQuery, metadata: Record<string, unknown> | undefined): ResolveQuery {
  if (metadata === undefined) return query
  const num = (v: unknown): number | undefined => typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
  const maxCostUsd = num(metadata.maxCostUsd) ?? query.maxCostUsd
  const maxLatencyMs = num(metadata.maxLatencyMs) ?? query.maxLatencyMs
  const region = typeof metadata.region === 'string' ? metadata.region : query.region
  return {
    capability: query.capability,
    ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
    ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
    ...(region !== undefined ? { region } : {})
  }
}
