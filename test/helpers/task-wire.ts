/**
 * One task sent by hand over `/atp/task/1.0.0` from a test's own libp2p node (e.g. an
 * AgpWirePeer's): the request frame as the test writes it — also for a path no honest
 * daemon would ask for — and every reply the daemon sends until its terminal one.
 *
 *   const r = await sendTaskByHand(wire.node, site.peerId, site.addr, taskRequest({ capability, originOrg, agentId, text: 'hi' }))
 *   expect(r.replies.at(-1)).toMatchObject({ type: 'error', code: TaskErrorCode.NotGiven })
 */
import { randomUUID } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { DEFAULT_MAX_TASK_FRAME_BYTES, decodeTaskFrame, encodeTaskFrame, TASK_PROTOCOL, type TaskFrame, type TaskRequestFrame } from '../../agp/index.ts'
import { userMessage } from '../../daemon/a2a/a2a-text.ts'
import { encodeA2aRequest } from '../../daemon/dataplane/a2a-codec.ts'
import { FrameChannel } from '../../daemon/p2p/frame-channel.ts'

export interface TaskByHand {
  /** Replies in order; the last is terminal unless the stream closed first. */
  readonly replies: readonly TaskFrame[]
  /** Why the stream ended. */
  readonly closeReason: string
}

export function taskRequest (init: { capability: string, originOrg: string, agentId: string, text: string, deadlineMs?: number, consumerOrg?: string }): TaskRequestFrame {
  return {
    type: 'request',
    taskId: randomUUID(),
    capability: init.capability,
    originOrg: init.originOrg,
    agentId: init.agentId,
    deadlineMs: init.deadlineMs ?? 10_000,
    hops: 0,
    a2aRequest: encodeA2aRequest({ tenant: '', message: userMessage(init.text), configuration: undefined, metadata: undefined }),
    stream: true,
    ...(init.consumerOrg !== undefined ? { consumerOrg: init.consumerOrg } : {})
  }
}

export async function sendTaskByHand (node: Libp2p, peerId: string, addr: string, request: TaskRequestFrame, timeoutMs = 15_000): Promise<TaskByHand> {
  const stream = await node.dialProtocol(multiaddr(`${addr}/p2p/${peerId}`), TASK_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const replies: TaskFrame[] = []
  const done = Promise.withResolvers<string>()
  const ch = new FrameChannel(stream, {
    maxFrameBytes: DEFAULT_MAX_TASK_FRAME_BYTES,
    onPayload: (bytes) => {
      const d = decodeTaskFrame(bytes, DEFAULT_MAX_TASK_FRAME_BYTES)
      if (!d.ok) { done.reject(new Error(`the daemon sent a bad task frame: ${d.error.message}`)); return }
      replies.push(d.value)
    },
    onClose: (reason) => { done.resolve(reason) }
  })
  ch.enqueue([encodeTaskFrame(request, DEFAULT_MAX_TASK_FRAME_BYTES)])
  const timer = setTimeout(() => { ch.reset(new Error(`no terminal reply within ${timeoutMs} ms`)) }, timeoutMs)
  try {
    return { replies, closeReason: await done.promise }
  } finally {
    clearTimeout(timer)
  }
}

export interface TasksOnOneStream {
  /** Each channel's replies in order, the last terminal. */
  readonly replies: ReadonlyMap<number, readonly TaskFrame[]>
  /** Whether the stream was still open once every task had its terminal reply. */
  readonly openAfter: boolean
  /** Sends one more frame on the stream and resolves with the first reply on `channel` and why the stream ended. */
  readonly sendRaw: (frame: TaskFrame, channel: number) => Promise<{ reply: TaskFrame | undefined, channel: number | undefined, closeReason: string }>
}

/** Several tasks on one stream, request i under channel i + 1, as a daemon's task link sends them. */
export async function sendTasksOnOneStream (node: Libp2p, peerId: string, addr: string, requests: readonly TaskRequestFrame[], timeoutMs = 15_000): Promise<TasksOnOneStream> {
  const stream = await node.dialProtocol(multiaddr(`${addr}/p2p/${peerId}`), TASK_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const replies = new Map<number, TaskFrame[]>(requests.map((_r, i) => [i + 1, []]))
  const allDone = Promise.withResolvers<void>()
  const closed = Promise.withResolvers<string>()
  let next: ((frame: TaskFrame, channel: number | undefined) => void) | undefined
  const ch = new FrameChannel(stream, {
    maxFrameBytes: DEFAULT_MAX_TASK_FRAME_BYTES,
    onPayload: (bytes) => {
      const d = decodeTaskFrame(bytes, DEFAULT_MAX_TASK_FRAME_BYTES)
      if (!d.ok) { allDone.reject(new Error(`the daemon sent a bad task frame: ${d.error.message}`)); return }
      if (next !== undefined) { next(d.value, d.channel); return }
      replies.get(d.channel ?? 0)?.push(d.value)
      const terminal = (fs: readonly TaskFrame[]): boolean => fs.some((f) => f.type === 'end' || f.type === 'error')
      if ([...replies.values()].every(terminal)) allDone.resolve()
    },
    onClose: (reason) => { closed.resolve(reason); allDone.reject(new Error(`stream closed: ${reason}`)) }
  })
  ch.enqueue(requests.map((r, i) => encodeTaskFrame(r, DEFAULT_MAX_TASK_FRAME_BYTES, i + 1)))
  const timer = setTimeout(() => { ch.reset(new Error(`no terminal replies within ${timeoutMs} ms`)) }, timeoutMs)
  try {
    await allDone.promise
  } finally {
    clearTimeout(timer)
  }
  return {
    replies,
    openAfter: ch.isOpen,
    sendRaw: async (frame, channel) => {
      const first = Promise.withResolvers<{ frame: TaskFrame, channel: number | undefined }>()
      next = (f, c) => { first.resolve({ frame: f, channel: c }) }
      ch.enqueue([encodeTaskFrame(frame, DEFAULT_MAX_TASK_FRAME_BYTES, channel)])
      const t = setTimeout(() => { ch.reset(new Error(`no reply within ${timeoutMs} ms`)) }, timeoutMs)
      try {
        const r = await Promise.race([first.promise, closed.promise.then(() => undefined)])
        return { reply: r?.frame, channel: r?.channel, closeReason: await closed.promise }
      } finally {
        clearTimeout(t)
      }
    }
  }
}
