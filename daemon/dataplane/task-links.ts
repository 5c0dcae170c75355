/**
 * Task legs to neighbors over `/atp/task/1.0.0`, many tasks per stream: one stream per
 * neighbor, opened at its first task and kept, each task under a channel number of its
 * own (docs/protocol.md). Opening a stream per task cost every hop a stream set-up,
 * a protocol negotiation round trip and a close on each side: most of a hop's CPU and
 * two more wake-ups of each process on the task's path.
 *
 * A dial that fails is `Unreachable` for the tasks waiting on it; a stream that closes
 * is `HopDown` for every task still on it (each requester knows from the `accepted`
 * frame it saw whether its agent had taken the task). The next task opens a new stream.
 *
 * Many-task streams are `/atp/task/1.1.0`, offered first; a neighbor that only speaks
 * `/atp/task/1.0.0` (a daemon of an earlier version) gets one stream per task
 * (single-task-leg.ts), remembered for SINGLE_TASK_MEMORY_MS, then asked again, since it
 * may have been upgraded meanwhile.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import { decodeTaskFrame, encodeTaskFrame, MAX_TASK_CHANNEL, TASK_MUX_PROTOCOL, TASK_PROTOCOL, TaskErrorCode, type TaskRequestFrame } from '../../agp/index.ts'
import { FrameChannel } from '../p2p/frame-channel.ts'
import { lazyWindowUpdates } from '../p2p/lazy-window-updates.ts'
import { openSingleTaskLeg } from './single-task-leg.ts'
import { isTerminal, type ReplySink, type TaskLeg } from './task-leg.ts'

export interface TaskLinksInit {
  readonly libp2p: Libp2p
  readonly maxMessageBytes: number
  /** Our org, named in the errors this hop raises. */
  readonly org: string
  /** Tasks one stream may carry at once (the router's in-flight bound). */
  readonly maxTasksPerLink: number
}

/** Longest a dial may take, whatever the task's deadline. */
const DIAL_TIMEOUT_MS = 10_000
/** How long a canceled task waits for the origin's terminal answer before it gives up. */
const CANCEL_GRACE_MS = 2000
/** Outbound bytes a link may hold: many tasks' frames share it. */
const LINK_MAX_QUEUED_BYTES = 64 * 1024 * 1024
/** How long a neighbor found to speak only one task per stream is served that way. */
const SINGLE_TASK_MEMORY_MS = 10 * 60_000
/** Bound on the neighbors remembered as one-task-per-stream. */
const MAX_SINGLE_TASK_PEERS = 4096

interface LinkTask {
  readonly fail: (code: TaskErrorCode, text: string) => void
  readonly sink: ReplySink
  /** Sends the task again on a stream of its own: the neighbor turned out to speak one task per stream. */
  readonly reopen: () => void
}

class Link {
  channel: FrameChannel | undefined
  readonly ready: Promise<FrameChannel>
  readonly tasks = new Map<number, LinkTask>()
  private nextChannel = 1
  closed = false

  constructor (
    private readonly init: TaskLinksInit,
    readonly peer: string,
    private readonly onClosed: (link: Link) => void,
    private readonly onSingleTask: (peer: string) => void
  ) {
    this.ready = this.open()
    // A failed dial is answered per task (Unreachable); nothing else awaits this.
    this.ready.catch(() => {})
  }

  /** A channel number not in use on this link. */
  allocate (): number {
    for (;;) {
      const c = this.nextChannel
      this.nextChannel = c >= MAX_TASK_CHANNEL ? 1 : c + 1
      if (!this.tasks.has(c)) return c
    }
  }

  private async open (): Promise<FrameChannel> {
    let stream
    try {
      stream = await this.init.libp2p.dialProtocol(peerIdFromString(this.peer), [TASK_MUX_PROTOCOL, TASK_PROTOCOL], { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    } catch (err) {
      this.close(TaskErrorCode.Unreachable, `next hop unreachable: ${(err as Error).message}`)
      throw err
    }
    if (stream.protocol !== TASK_MUX_PROTOCOL) {
      // A neighbor of an earlier version: its tasks go one per stream from here on.
      this.closed = true
      this.onClosed(this)
      this.onSingleTask(this.peer)
      const waiting = [...this.tasks.values()]
      this.tasks.clear()
      void stream.close().catch(() => {})
      for (const t of waiting) t.reopen()
      throw new Error('the next hop carries one task per stream')
    }
    // Small frames in both directions for as long as the link lives: no window update per frame.
    lazyWindowUpdates(stream)
    const max = this.init.maxMessageBytes
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: max,
      maxQueuedBytes: LINK_MAX_QUEUED_BYTES,
      onPayload: (bytes) => {
        const decoded = decodeTaskFrame(bytes, max)
        if (!decoded.ok) {
          this.close(decoded.error.taskCode, `next hop sent a bad frame: ${decoded.error.message}`)
          ch.reset(decoded.error)
          return
        }
        const frame = decoded.value
        if (frame.type === 'error' && decoded.channel === undefined) {
          // The next hop refused the stream itself (a frame it could not read).
          this.close(frame.code, `next hop refused the task stream: ${frame.text}`)
          return
        }
        if (frame.type === 'request' || frame.type === 'cancel' || decoded.channel === undefined) {
          this.close(TaskErrorCode.BadFrame, `next hop sent a ${frame.type} frame on channel ${decoded.channel ?? 0}`)
          ch.reset(new Error('bad frame'))
          return
        }
        // A task given up locally (canceled without an answer) may still be answered: drop it.
        const task = this.tasks.get(decoded.channel)
        if (task === undefined) return
        if (isTerminal(frame)) this.tasks.delete(decoded.channel)
        task.sink(frame)
      },
      onClose: (reason) => { this.close(TaskErrorCode.HopDown, `stream to the next hop closed: ${reason}`) }
    })
    this.channel = ch
    if (this.closed) ch.reset(new Error('link closed'))
    return ch
  }

  /** Ends every task still on the link and forgets the link. */
  close (code: TaskErrorCode, text: string): void {
    if (!this.closed) {
      this.closed = true
      this.onClosed(this)
    }
    const tasks = [...this.tasks.values()]
    this.tasks.clear()
    for (const t of tasks) t.fail(code, text)
  }
}

export class TaskLinks {
  private readonly links = new Map<string, Link>()
  /** Neighbors that speak one task per stream, until when (ms since the epoch). */
  private readonly singleTaskUntilMs = new Map<string, number>()

  constructor (private readonly init: TaskLinksInit) {}

  /** Sends the request to `peer` on its link (opened if there is none) and relays the replies to `sink`. */
  open (peer: string, request: TaskRequestFrame, sink: ReplySink): TaskLeg {
    if (this.speaksSingleTask(peer)) return this.openSingle(peer, request, sink)
    let link = this.links.get(peer)
    if (link === undefined || link.closed) {
      link = new Link(this.init, peer, (l) => { if (this.links.get(l.peer) === l) this.links.delete(l.peer) }, (p) => { this.rememberSingleTask(p) })
      this.links.set(peer, link)
    }
    const max = this.init.maxMessageBytes
    let terminal = false
    let handedOff: TaskLeg | undefined
    const fail = (code: TaskErrorCode, text: string): void => {
      if (terminal) return
      terminal = true
      sink({ type: 'error', code, text, org: this.init.org })
    }
    if (link.tasks.size >= this.init.maxTasksPerLink) {
      fail(TaskErrorCode.Overloaded, `${link.tasks.size} tasks in flight to the next hop`)
      return { cancel () {} }
    }
    const channel = link.allocate()
    const on = link
    const guarded: ReplySink = (reply) => {
      if (terminal) return
      if (isTerminal(reply)) terminal = true
      sink(reply)
    }
    on.tasks.set(channel, {
      fail,
      sink: guarded,
      reopen: () => { if (!terminal) handedOff = this.openSingle(peer, request, guarded) }
    })
    const send = (ch: FrameChannel): void => {
      if (!on.tasks.has(channel)) return
      let bytes: Uint8Array
      try {
        bytes = encodeTaskFrame(request, max, channel)
      } catch (err) {
        on.tasks.delete(channel)
        fail(TaskErrorCode.TooLarge, (err as Error).message)
        return
      }
      if (!ch.enqueue([bytes])) fail(TaskErrorCode.HopDown, 'stream to the next hop closed')
    }
    if (on.channel !== undefined) send(on.channel)
    else on.ready.then(send, () => {})

    return {
      cancel: () => {
        if (handedOff !== undefined) { handedOff.cancel(); return }
        if (terminal || !on.tasks.has(channel)) return
        const ch = on.channel
        if (ch === undefined || !ch.isOpen) {
          on.tasks.delete(channel)
          fail(TaskErrorCode.Canceled, `task canceled at ${this.init.org}`)
          return
        }
        ch.enqueue([encodeTaskFrame({ type: 'cancel' }, max, channel)])
        // The origin answers a cancel with its terminal reply; do not wait forever for it.
        setTimeout(() => {
          if (terminal || on.tasks.get(channel) === undefined) return
          on.tasks.delete(channel)
          fail(TaskErrorCode.HopDown, 'the next hop did not answer the cancel')
        }, CANCEL_GRACE_MS).unref()
      }
    }
  }

  private openSingle (peer: string, request: TaskRequestFrame, sink: ReplySink): TaskLeg {
    return openSingleTaskLeg({
      libp2p: this.init.libp2p, peer, request, maxMessageBytes: this.init.maxMessageBytes, org: this.init.org,
      dialTimeoutMs: DIAL_TIMEOUT_MS, cancelGraceMs: CANCEL_GRACE_MS
    }, sink)
  }

  private speaksSingleTask (peer: string): boolean {
    const until = this.singleTaskUntilMs.get(peer)
    if (until === undefined) return false
    if (Date.now() < until) return true
    this.singleTaskUntilMs.delete(peer)
    return false
  }

  private rememberSingleTask (peer: string): void {
    this.singleTaskUntilMs.delete(peer)
    if (this.singleTaskUntilMs.size >= MAX_SINGLE_TASK_PEERS) {
      const oldest = this.singleTaskUntilMs.keys().next().value
      if (oldest !== undefined) this.singleTaskUntilMs.delete(oldest)
    }
    this.singleTaskUntilMs.set(peer, Date.now() + SINGLE_TASK_MEMORY_MS)
  }

  /** Closes every link (the daemon stops): their tasks end HopDown. */
  stop (): void {
    for (const link of [...this.links.values()]) {
      link.close(TaskErrorCode.HopDown, 'daemon stopping')
      link.channel?.reset(new Error('daemon stopping'))
    }
    this.links.clear()
  }
}
