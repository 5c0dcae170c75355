/**
 * A task leg to a neighbor that carries one task per stream (`/atp/task/1.0.0` without
 * channels): a daemon built before many-task streams existed. The request goes out
 * first; replies come back until `end` or `error`, then the stream closes. A dial that
 * fails is `Unreachable`; a stream that closes before the terminal reply is `HopDown`.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { decodeTaskFrame, encodeTaskFrame, TASK_PROTOCOL, TaskErrorCode, type TaskRequestFrame } from '../../agp/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { isTerminal, type ReplySink, type TaskLeg } from './task-leg.ts'

export interface SingleTaskLegInit {
  readonly libp2p: Libp2p
  readonly peer: string
  readonly request: TaskRequestFrame
  readonly maxMessageBytes: number
  /** Our org, named in the errors this hop raises. */
  readonly org: string
  readonly dialTimeoutMs: number
  /** How long a canceled task waits for the terminal answer before it gives up. */
  readonly cancelGraceMs: number
}

export function openSingleTaskLeg (init: SingleTaskLegInit, sink: ReplySink): TaskLeg {
  let channel: FrameChannel | undefined
  let canceled = false
  let terminal = false
  const fail = (code: TaskErrorCode, text: string): void => {
    if (terminal) return
    terminal = true
    sink({ type: 'error', code, text, org: init.org })
  }

  void (async () => {
    let stream: Stream
    try {
      stream = await init.libp2p.dialProtocol(peerIdFromString(init.peer), TASK_PROTOCOL, {
        signal: AbortSignal.timeout(Math.min(init.dialTimeoutMs, init.request.deadlineMs))
      })
    } catch (err) {
      fail(TaskErrorCode.Unreachable, `next hop unreachable: ${(err as Error).message}`)
      return
    }
    if (canceled || terminal) {
      try { stream.abort(new Error('task canceled')) } catch { /* gone */ }
      return
    }
    const max = init.maxMessageBytes
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: max,
      onPayload: (bytes) => {
        if (terminal) return
        const decoded = decodeTaskFrame(bytes, max)
        if (!decoded.ok) { fail(decoded.error.taskCode, `next hop sent a bad frame: ${decoded.error.message}`); ch.reset(decoded.error); return }
        const frame = decoded.value
        if (frame.type === 'request' || frame.type === 'cancel') { fail(TaskErrorCode.BadFrame, `next hop sent a ${frame.type} frame`); ch.reset(new Error('bad frame')); return }
        if (isTerminal(frame)) terminal = true
        sink(frame)
        if (terminal) void ch.close()
      },
      onClose: (reason) => { fail(TaskErrorCode.HopDown, `stream to the next hop closed: ${reason}`) }
    })
    channel = ch
    let bytes: Uint8Array
    try {
      bytes = encodeTaskFrame(init.request, max)
    } catch (err) {
      fail(TaskErrorCode.TooLarge, (err as Error).message)
      ch.reset(err as Error)
      return
    }
    if (!ch.enqueue([bytes])) fail(TaskErrorCode.HopDown, 'stream to the next hop closed')
  })()

  return {
    cancel () {
      if (terminal || canceled) return
      canceled = true
      const ch = channel
      if (ch?.isOpen !== true) {
        // Not sent yet (the dial is under way) or the stream is gone: nothing to tell.
        fail(TaskErrorCode.Canceled, `task canceled at ${init.org}`)
        return
      }
      ch.enqueue([encodeTaskFrame({ type: 'cancel' }, init.maxMessageBytes)])
      // The origin answers a cancel with its terminal reply; do not wait forever for it.
      setTimeout(() => {
        if (terminal) return
        fail(TaskErrorCode.HopDown, 'the next hop did not answer the cancel')
        if (ch.isOpen) ch.reset(new Error('task canceled'))
      }, init.cancelGraceMs).unref()
    }
  }
}
