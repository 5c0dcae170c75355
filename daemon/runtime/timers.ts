/**
 * Timers keyed by TimerId over setTimeout: set replaces, clear cancels. Every arming
 * gets a token so that a fire already queued when its timer was replaced is recognized
 * and dropped by the loop (`consume`).
 */
import type { Clock } from '../../kernel/index.ts'
import type { TimerId } from '../../reflector/index.ts'

// setTimeout clamps delays above 2^31-1 ms to 1 ms; longer timers hop in steps.
const MAX_DELAY_MS = 2 ** 31 - 1

interface Armed {
  readonly token: number
  readonly atMs: number
  handle: NodeJS.Timeout
}

export class KeyedTimers {
  private readonly clock: Clock
  private readonly onFire: (id: TimerId, token: number) => void
  private readonly armed = new Map<TimerId, Armed>()
  private nextToken = 1

  constructor (clock: Clock, onFire: (id: TimerId, token: number) => void) {
    this.clock = clock
    this.onFire = onFire
  }

  get size (): number { return this.armed.size }

  set (id: TimerId, atMs: number): void {
    this.clear(id)
    const armed: Armed = { token: this.nextToken++, atMs, handle: undefined as unknown as NodeJS.Timeout }
    this.armed.set(id, armed)
    this.arm(id, armed)
  }

  clear (id: TimerId): void {
    const armed = this.armed.get(id)
    if (armed === undefined) return
    clearTimeout(armed.handle)
    this.armed.delete(id)
  }

  clearAll (): void {
    for (const armed of this.armed.values()) clearTimeout(armed.handle)
    this.armed.clear()
  }

  /** True (and forgets the timer) when `token` is still the current arming of `id`. */
  consume (id: TimerId, token: number): boolean {
    const armed = this.armed.get(id)
    if (armed === undefined || armed.token !== token) return false
    this.armed.delete(id)
    return true
  }

  private arm (id: TimerId, armed: Armed): void {
    const delayMs = Math.max(0, armed.atMs - this.clock.nowMs())
    armed.handle = setTimeout(() => {
      if (this.armed.get(id) !== armed) return
      // setTimeout may fire a millisecond or so before atMs on our clock (libuv
      // counts from its cached loop time). The Speaker ignores a timer that is not due
      // yet, and this arming is consumed by the fire, so an early fire would lose the
      // timer for good (seen: a graceful-restart flush that never came). Wait the rest.
      if (delayMs > MAX_DELAY_MS || this.clock.nowMs() < armed.atMs) {
        this.arm(id, armed)
        return
      }
      this.onFire(id, armed.token)
    }, Math.min(delayMs, MAX_DELAY_MS))
    // The daemon lives on its listeners; a pending timer alone must not keep a process up.
    armed.handle.unref()
  }
}
