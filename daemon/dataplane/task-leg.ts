/**
 * One leg of a task at one hop: what the hop did with it (called its agent, or opened a
 * stream to the next hop) and the replies coming back. Every leg ends in exactly one
 * terminal reply (`end` or `error`); `cancel()` after that is a no-op.
 */
import type { TaskFrame } from '../../agp/index.ts'

/** What travels back towards the requester. */
export type TaskReply = Exclude<TaskFrame, { type: 'request' } | { type: 'cancel' }>

export type ReplySink = (reply: TaskReply) => void

export interface TaskLeg {
  cancel (): void
}

export const NOOP_LEG: TaskLeg = Object.freeze({ cancel: () => {} })

export function isTerminal (reply: TaskReply): boolean {
  return reply.type === 'end' || reply.type === 'error'
}

/** A sink that forwards replies until the first terminal one, then drops everything. */
export function onceTerminal (sink: ReplySink, onTerminal: (reply: TaskReply) => void): ReplySink {
  let done = false
  return (reply) => {
    if (done) return
    if (isTerminal(reply)) {
      done = true
      onTerminal(reply)
    }
    sink(reply)
  }
}
