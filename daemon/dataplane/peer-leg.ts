/**
 * A task leg to a neighbor over `/atp/task/1.0.0`: one stream per task. The request
 * goes out first; replies come back as frames until `end` or `error`. A dial that
 * fails is `Unreachable`; a stream that closes before the terminal reply is `HopDown`
 * (the requester learns whether the agent had accepted the task from the `accepted`
 * frame it saw or not).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { decodeTaskFrame, encodeTaskFrame, TASK_PROTOCOL, TaskErrorCode, type TaskRequestFrame } from '../../agp/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { isTerminal, type ReplySink, type TaskLeg } from './task-leg.ts'

export interface PeerLegInit {
  readonly libp2p: Libp2p
  readonly peer: string
  readonly request: TaskRequestFrame
  readonly maxMessageBytes: number
  /** Our org, named in the errors this hop raises. */
  readonly org: string
}

/** Longest a dial may take, whatever the task's deadline. */
const DIAL_TIMEOUT_MS = 10_000

export function openPeerLeg (init: PeerLegInit, sink: ReplySink): TaskLeg {
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
        signal: AbortSignal.timeout(Math.min(DIAL_TIMEOUT_MS, init.request.deadlineMs))
      })
    } catch (err) {
      fail(TaskErrorCode.Unreachable, `next hop unreachable: ${(err as Error).message}`)
      return
    }
    if (canceled) { try { stream.abort(new Error('task canceled')) } catch { /* gone */ } return }
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: init.maxMessageBytes,
      onPayload: (bytes) => {
        if (terminal) return
        const decoded = decodeTaskFrame(bytes, init.maxMessageBytes)
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
    ch.enqueue([encodeTaskFrame(init.request, init.maxMessageBytes)])
  })()

  return {
    cancel () {
      canceled = true
      if (terminal) return
      const ch = channel
      if (ch?.isOpen === true) {
        ch.enqueue([encodeTaskFrame({ type: 'cancel' }, init.maxMessageBytes)])
        // The origin answers a cancel with its terminal reply; do not wait forever for it.
        setTimeout(() => { if (ch.isOpen) ch.reset(new Error('task canceled')) }, 2000).unref()
      }
    }
  }
}
