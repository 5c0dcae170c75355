/**
 * The Speaker's timers by TimerId over a Scheduler: set replaces, clear cancels. Every
 * arming gets a token, so that a fire already queued (or already scheduled, in a
 * scheduler that cannot cancel) when its timer was replaced is recognized and dropped
 * (`consume`).
 */
import type { TimerId } from '../reflector/index.ts'
import type { Scheduler, TimerHandle } from './ports.ts'

interface Armed {
  readonly token: number
  readonly handle: TimerHandle
}

export class KeyedTimers {
  private readonly scheduler: Scheduler
  private readonly onFire: (id: TimerId, token: number) => void
  private readonly armed = new Map<TimerId, Armed>()
  private nextToken = 1

  constructor (scheduler: Scheduler, onFire: (id: TimerId, token: number) => void) {
    this.scheduler = scheduler
    this.onFire = onFire
  }

  get size (): number { return this.armed.size }

  set (id: TimerId, atMs: number): void {
    this.clear(id)
    const token = this.nextToken++
    const handle = this.scheduler.setTimer(atMs, () => {
      if (this.armed.get(id)?.token === token) this.onFire(id, token)
    })
    this.armed.set(id, { token, handle })
  }

  clear (id: TimerId): void {
    const armed = this.armed.get(id)
    if (armed === undefined) return
    this.scheduler.clearTimer(armed.handle)
    this.armed.delete(id)
  }

  clearAll (): void {
    for (const armed of this.armed.values()) this.scheduler.clearTimer(armed.handle)
    this.armed.clear()
  }

  /** True (and forgets the timer) when `token` is still the current arming of `id`. */
  consume (id: TimerId, token: number): boolean {
    const armed = this.armed.get(id)
    if (armed === undefined || armed.token !== token) return false
    this.armed.delete(id)
    return true
  }
}
