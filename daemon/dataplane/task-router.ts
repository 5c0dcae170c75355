/**
 * The data plane of one daemon: where a task goes from here. `dispatch` asks the
 * Speaker for the next hop of the path (agp/task/forwarding.ts: only along a route
 * the requester was given) and runs the leg — the local agent (origin) or a stream to
 * the neighbor the route came from (transit, ./task-links.ts: one stream per neighbor
 * for many tasks) — under the task's deadline and the in-flight bound. Inbound
 * `/atp/task/1.0.0` streams from neighbors, of one task or many, are dispatched the
 * same way, their replies written back on the stream under the task's channel.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { ForwardQuery, NextHop } from '../../agp/index.ts'
import type { LocalAgent } from '../../reflector/index.ts'
import {
  A2A_TASK_COMPLETED, decodeTaskFrame, defaultEstimator, encodeTaskFrame, MAX_TASK_HOPS, TASK_MUX_PROTOCOL, TASK_PROTOCOL, TaskErrorCode,
  type OriginDecision, type TaskRequestFrame, type Usage
} from '../../agp/index.ts'
import { InvalidArgumentError } from '../../kernel/index.ts'
import type { Metrics, TaskRole } from '../metrics/metrics.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { lazyWindowUpdates } from '../p2p/lazy-window-updates.ts'
import type { AgentClients } from './agent-clients.ts'
import { runOriginLeg } from './origin-leg.ts'
import { TaskLinks } from './task-links.ts'
import { NOOP_LEG, isTerminal, onceTerminal, type ReplySink, type TaskLeg, type TaskReply } from './task-leg.ts'

export interface ForwardingConfig {
  readonly timeoutMs: number
  readonly attempts: number
  readonly maxInFlight: number
  readonly maxMessageBytes: number
}

/** An origin's limits on its local agents, per consumer org (agents[].limits). */
export interface OriginLimits {
  acquire (agentId: string, consumerOrg: string, estimate: Usage): OriginDecision
  release (agentId: string, consumerOrg: string, estimate: Usage, actual: Usage): void
}

export interface TaskRouterComponents {
  readonly libp2p: Libp2p
  readonly forwardTarget: (query: ForwardQuery) => NextHop
  readonly localAgent: (id: string) => LocalAgent | undefined
  readonly clients: AgentClients
  readonly logger: Logger
  readonly metrics?: Metrics
  readonly nowMs: () => number
  readonly onMeasured?: (agentId: string, success: boolean, latencyMs: number) => void
  readonly originLimits?: OriginLimits
}

export class TaskRouter {
  private inFlight = 0
  private readonly inbound = new Set<FrameChannel>()
  private readonly links: TaskLinks

  constructor (private readonly c: TaskRouterComponents, private readonly org: string, private readonly config: ForwardingConfig) {
    this.links = new TaskLinks({ libp2p: c.libp2p, maxMessageBytes: config.maxMessageBytes, org, maxTasksPerLink: config.maxInFlight })
  }

  get tasksInFlight (): number { return this.inFlight }

  async start (): Promise<void> {
    await this.c.libp2p.handle([TASK_MUX_PROTOCOL, TASK_PROTOCOL], (stream, connection) => { this.onInbound(stream, connection) }, {
      maxInboundStreams: Math.min(this.config.maxInFlight, 4096), maxOutboundStreams: Math.min(this.config.maxInFlight, 4096)
    })
  }

  async stop (): Promise<void> {
    await this.c.libp2p.unhandle([TASK_MUX_PROTOCOL, TASK_PROTOCOL]).catch(() => {})
    for (const ch of this.inbound) ch.reset(new Error('daemon stopping'))
    this.links.stop()
  }

  /**
   * Runs one task from `requester` ('' = this daemon's own consumer). Replies reach
   * `sink`, the last one terminal, also when the leg is refused at once.
   */
  dispatch (request: TaskRequestFrame, requester: string, sink: ReplySink): TaskLeg {
    const refuse = (code: TaskErrorCode, text: string): TaskLeg => {
      const reply: TaskReply = { type: 'error', code, text, org: this.org }
      // A neighbor's task refused here ended here (this daemon's own consumer counts its own).
      if (requester !== '') this.c.metrics?.task('transit', taskOutcome(reply), 0)
      sink(reply)
      return NOOP_LEG
    }
    if (this.inFlight >= this.config.maxInFlight) return refuse(TaskErrorCode.Overloaded, `${this.inFlight} tasks in flight at ${this.org}`)
    if (request.hops >= MAX_TASK_HOPS) return refuse(TaskErrorCode.TooManyHops, `more than ${MAX_TASK_HOPS} hops`)
    const hop = this.c.forwardTarget({ capability: request.capability, originOrg: request.originOrg, agentId: request.agentId, requester })
    if (hop.kind === 'refuse') return refuse(hop.code, hop.reason)
    const agent = hop.kind === 'local' ? this.c.localAgent(hop.agentId) : undefined
    if (hop.kind === 'local' && agent === undefined) return refuse(TaskErrorCode.NoRoute, `no local agent ${hop.agentId}`)

    let releaseOrigin: ((costUsd: number) => void) | undefined
    if (agent !== undefined && this.c.originLimits !== undefined) {
      const limits = this.c.originLimits
      // A consumer that does not name its org shares with the others under its neighbor's id.
      const consumerOrg = request.consumerOrg ?? (requester === '' ? this.org : `peer:${requester}`)
      const estimate = defaultEstimator.estimate({ messageBytes: request.a2aRequest.length, costUsd: agent.costUsd })
      const d = limits.acquire(agent.id, consumerOrg, estimate)
      // Overloaded is the answer a consumer's window backs off on.
      if (!d.ok) return refuse(TaskErrorCode.Overloaded, `origin limit (${d.dimension}) of ${agent.id} at ${this.org} reached for ${consumerOrg}, retry after ${Math.ceil(d.retryAfterMs / 1000)} s`)
      releaseOrigin = (costUsd) => { limits.release(agent.id, consumerOrg, estimate, { tokens: estimate.tokens, usd: costUsd }) }
    }

    const role: TaskRole | undefined = hop.kind === 'local' ? 'origin' : requester === '' ? undefined : 'transit'
    const startedMs = this.c.nowMs()
    this.inFlight++
    let leg: TaskLeg = NOOP_LEG
    const timer = setTimeout(() => {
      guarded({ type: 'error', code: TaskErrorCode.Timeout, text: `deadline of ${request.deadlineMs} ms passed at ${this.org}`, org: this.org })
      leg.cancel()
    }, request.deadlineMs)
    const guarded = onceTerminal(sink, (last) => {
      clearTimeout(timer)
      this.inFlight--
      releaseOrigin?.(last.type === 'end' ? last.costUsd : 0)
      if (role !== undefined) this.c.metrics?.task(role, taskOutcome(last), (this.c.nowMs() - startedMs) / 1000)
    })
    leg = hop.kind === 'local' && agent !== undefined
      ? runOriginLeg({ agent, request, clients: this.c.clients, org: this.org, nowMs: this.c.nowMs, ...(this.c.onMeasured !== undefined ? { onMeasured: this.c.onMeasured } : {}) }, guarded)
      : this.links.open((hop as { peer: string }).peer, { ...request, hops: request.hops + 1, deadlineMs: Math.max(1, request.deadlineMs - (this.c.nowMs() - startedMs)) }, guarded)
    return { cancel: () => { leg.cancel() } }
  }

  /**
   * A neighbor's stream: its first request says whether it carries one task (channel 0,
   * closed after the terminal reply) or many (each under its channel; the stream stays).
   */
  private onInbound (stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    const max = this.config.maxMessageBytes
    lazyWindowUpdates(stream)
    /** The stream's tasks in flight by channel (0: the stream's only task). */
    const tasks = new Map<number, { leg: TaskLeg | undefined }>()
    let many: boolean | undefined
    let ended = false
    /** A reply on `channel`; false once that task has ended. */
    const replier = (channel: number): ReplySink => {
      let done = false
      return (frame) => {
        if (done || ended) return
        let bytes: Uint8Array
        let terminal = isTerminal(frame)
        try {
          bytes = encodeTaskFrame(frame, max, channel)
        } catch (err) {
          if (!(err instanceof InvalidArgumentError)) throw err
          bytes = encodeTaskFrame({ type: 'error', code: TaskErrorCode.TooLarge, text: err.message, org: this.org }, max, channel)
          tasks.get(channel)?.leg?.cancel()
          terminal = true
        }
        ch.enqueue([bytes])
        if (!terminal) return
        done = true
        tasks.delete(channel)
        if (many !== true) { ended = true; void ch.close() }
      }
    }
    /** A frame that breaks the stream's framing: answered on channel 0, then the stream closes. */
    const refuseStream = (code: TaskErrorCode, text: string): void => {
      for (const t of tasks.values()) t.leg?.cancel()
      tasks.clear()
      many = false
      replier(0)({ type: 'error', code, text, org: this.org })
    }
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: max,
      onPayload: (bytes) => {
        if (ended) return
        const decoded = decodeTaskFrame(bytes, max)
        if (!decoded.ok) { refuseStream(decoded.error.taskCode, decoded.error.message); return }
        const frame = decoded.value
        const channel = decoded.channel ?? 0
        if (frame.type === 'request') {
          many ??= channel !== 0
          if (tasks.has(channel) || many !== (channel !== 0)) {
            refuseStream(TaskErrorCode.BadFrame, `unexpected request frame on channel ${channel}`)
            return
          }
          const task: { leg: TaskLeg | undefined } = { leg: undefined }
          tasks.set(channel, task)
          const leg = this.dispatch(frame, peer, replier(channel))
          // A refusal answers (and ends the task) before dispatch returns.
          if (tasks.get(channel) === task) task.leg = leg
          return
        }
        if (frame.type === 'cancel' && tasks.has(channel)) { tasks.get(channel)?.leg?.cancel(); return }
        // A cancel for a task that already ended crossed its answer on the way: nothing to do.
        if (frame.type === 'cancel' && many === true) return
        refuseStream(TaskErrorCode.BadFrame, `unexpected ${frame.type} frame on channel ${channel}`)
      },
      onClose: (reason) => {
        this.inbound.delete(ch)
        ended = true
        // The requester went away: nobody waits for the answers any more.
        if (tasks.size > 0) this.c.logger.debug({ peer, reason, tasks: tasks.size }, 'task stream closed before its tasks ended')
        for (const t of tasks.values()) t.leg?.cancel()
        tasks.clear()
      }
    })
    if (ch.isOpen) this.inbound.add(ch)
  }
}

/** The `outcome` label of atpd_tasks_total for a terminal reply. */
export function taskOutcome (reply: TaskReply): string {
  if (reply.type === 'end') return reply.finalState === A2A_TASK_COMPLETED ? 'success' : 'failure'
  if (reply.type !== 'error') return 'failure'
  switch (reply.code) {
    case TaskErrorCode.Timeout: return 'timeout'
    case TaskErrorCode.NoRoute:
    case TaskErrorCode.NotGiven: return 'refused'
    case TaskErrorCode.Unreachable:
    case TaskErrorCode.HopDown: return 'unreachable'
    case TaskErrorCode.Canceled: return 'canceled'
    // The agent or a hop said it has no room: congestion, which cuts the window.
    case TaskErrorCode.Overloaded: return 'overloaded'
    case TaskErrorCode.OverWindow:
    case TaskErrorCode.OverBudget: return 'refused'
    default: return 'failure'
  }
}
