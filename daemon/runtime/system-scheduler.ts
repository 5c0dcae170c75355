/**
 * The daemon's Scheduler: timers on setTimeout, turns on setImmediate (I/O callbacks get
 * their turn between two turns of the loop), the turn budget on performance.now.
 */
import { performance } from 'node:perf_hooks'
import type { Scheduler, TimerHandle } from '../../driver/index.ts'
import type { Clock } from '../../kernel/index.ts'

// setTimeout clamps delays above 2^31-1 ms to 1 ms; longer timers hop in steps.
const MAX_DELAY_MS = 2 ** 31 - 1

/** One arming; `handle` is replaced at every hop or early-fire wait. */
interface Armed {
  handle: NodeJS.Timeout | undefined
}

export function systemScheduler (clock: Clock): Scheduler {
  const arm = (armed: Armed, atMs: number, fire: () => void): void => {
    const delayMs = Math.max(0, atMs - clock.nowMs())
    armed.handle = setTimeout(() => {
      // setTimeout may fire a millisecond or so before atMs on our clock (libuv
      // counts from its cached loop time). The Speaker ignores a timer that is not due
      // yet, and this arming is consumed by the fire, so an early fire would lose the
      // timer for good (seen: a graceful-restart flush that never came). Wait the rest.
      if (delayMs > MAX_DELAY_MS || clock.nowMs() < atMs) {
        arm(armed, atMs, fire)
        return
      }
      armed.handle = undefined
      fire()
    }, Math.min(delayMs, MAX_DELAY_MS))
    // The daemon lives on its listeners; a pending timer alone must not keep a process up.
    armed.handle.unref()
  }
  return {
    setTimer (atMs: number, fire: () => void): TimerHandle {
      const armed: Armed = { handle: undefined }
      arm(armed, atMs, fire)
      return armed
    },
    clearTimer (handle: TimerHandle): void {
      clearTimeout((handle as Armed).handle)
    },
    defer (turn: () => void): void {
      setImmediate(turn)
    },
    turnClockMs: () => performance.now()
  }
}
