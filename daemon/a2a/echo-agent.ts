/**
 * A real A2A agent built with @a2a-js/sdk, for the demo federation and the tests: an
 * "echo reviewer" that answers a text message with a review of it, after a latency
 * and with a failure rate its owner can change while it runs. It streams a task:
 * submitted → working → an artifact → completed (or failed).
 *
 *   const agent = await startEchoAgent({ name: 'acme-reviewer', skills: [{ id: 'review', tags: ['code-review/python'] }] })
 *   agent.latencyMs = 200   // slower from now on
 *   await agent.stop()
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AgentCard, type Message, Role, TaskState } from '@a2a-js/sdk'
import {
  AgentEvent, type AgentExecutor, DefaultRequestHandler, type ExecutionEventBus, InMemoryTaskStore,
  JsonRpcTransportHandler, type RequestContext
} from '@a2a-js/sdk/server'
import { textAgentCard } from './agent-card.ts'
import { answerJsonRpc } from './a2a-json-rpc.ts'
import { textOf } from './a2a-text.ts'

export interface EchoAgentOptions {
  readonly name: string
  readonly organization?: string
  readonly skills: readonly { readonly id: string, readonly tags?: readonly string[] }[]
  readonly latencyMs?: number
  /** 0..1: share of tasks that end failed. */
  readonly failureRate?: number
  /** Reported in the task's metadata (costUsd). */
  readonly costUsd?: number
  /** Listen port on 127.0.0.1 (0: any free one). */
  readonly port?: number
}

export interface EchoAgent {
  readonly url: string
  readonly cardUrl: string
  latencyMs: number
  failureRate: number
  /** Tasks it has been asked to do. */
  readonly served: number
  stop (): Promise<void>
}

export async function startEchoAgent (options: EchoAgentOptions): Promise<EchoAgent> {
  const state = { latencyMs: options.latencyMs ?? 0, failureRate: options.failureRate ?? 0, served: 0 }
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => { resolve() })
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const card = echoCard(options, url)
  const executor = new EchoExecutor(state, options.costUsd ?? 0)
  const jsonRpc = new JsonRpcTransportHandler(new DefaultRequestHandler(card, new InMemoryTaskStore(), executor))
  server.on('request', (req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/.well-known/agent-card.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card))
          return
        }
        if (req.method !== 'POST') { res.writeHead(404).end(); return }
        await answerJsonRpc(jsonRpc, JSON.parse(await readBody(req)), res)
      } catch (err) {
        if (res.writableEnded) return
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      }
    })()
  })
  return {
    url,
    cardUrl: `${url}/.well-known/agent-card.json`,
    get latencyMs () { return state.latencyMs },
    set latencyMs (v: number) { state.latencyMs = v },
    get failureRate () { return state.failureRate },
    set failureRate (v: number) { state.failureRate = v },
    get served () { return state.served },
    async stop () { await closeServer(server) }
  }
}

function echoCard (options: EchoAgentOptions, url: string): AgentCard {
  return textAgentCard({
    name: options.name,
    description: 'Reviews the text it is sent (an echo, for demos and tests).',
    url,
    organization: options.organization ?? options.name,
    skills: options.skills.map((s) => ({ id: s.id, description: `echo ${s.id}`, tags: s.tags ?? [] }))
  })
}

class EchoExecutor implements AgentExecutor {
  private readonly canceled = new Set<string>()
  constructor (private readonly state: { latencyMs: number, failureRate: number, served: number }, private readonly costUsd: number) {}

  async execute (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    this.state.served++
    const { taskId, contextId } = ctx
    const text = textOf(ctx.userMessage)
    bus.publish(AgentEvent.task({
      id: taskId, contextId, status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
      artifacts: [], history: [ctx.userMessage], metadata: { costUsd: this.costUsd }
    }))
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: new Date().toISOString() }, metadata: undefined }))
    if (this.state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.state.latencyMs))
    if (this.canceled.delete(taskId)) { bus.finished(); return }
    const failed = Math.random() < this.state.failureRate
    if (!failed) {
      bus.publish(AgentEvent.artifactUpdate({
        taskId, contextId, append: false, lastChunk: true, metadata: undefined,
        artifact: { artifactId: randomUUID(), name: 'review', description: '', parts: [{ content: { $case: 'text', value: `reviewed: ${text}` }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [] }
      }))
    }
    bus.publish(AgentEvent.statusUpdate({
      taskId, contextId, metadata: { costUsd: this.costUsd },
      status: {
        state: failed ? TaskState.TASK_STATE_FAILED : TaskState.TASK_STATE_COMPLETED,
        message: failed ? agentMessage(taskId, contextId, 'the reviewer failed') : undefined,
        timestamp: new Date().toISOString()
      }
    }))
    bus.finished()
  }

  async cancelTask (taskId: string, bus: ExecutionEventBus): Promise<void> {
    this.canceled.add(taskId)
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', metadata: undefined, status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() } }))
    bus.finished()
  }
}

function agentMessage (taskId: string, contextId: string, text: string): Message {
  return { messageId: randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [] }
}

async function readBody (req: IncomingMessage, maxBytes = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new Error(`request body over ${maxBytes} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function closeServer (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
}
