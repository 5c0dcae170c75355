// Regression (found by test/integration/federation-reflection.test.ts): setTimeout can
// fire a little before atMs on the daemon's clock, and the Speaker ignores a timer that
// is not due; the timers must then wait the rest rather than hand over an early fire.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeyedTimers } from '../../../daemon/runtime/timers.ts'

describe('KeyedTimers', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('never fires before atMs on its clock, even when setTimeout fires early', () => {
    let lagMs = 0
    const clock = { nowMs: () => Date.now() - lagMs }
    const fired: number[] = []
    const timers = new KeyedTimers(clock, () => { fired.push(clock.nowMs()) })
    const atMs = clock.nowMs() + 100
    timers.set('gr:p1', atMs)
    lagMs = 3 // the clock the Speaker sees is 3 ms behind setTimeout's idea of time
    vi.advanceTimersByTime(100)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(3)
    expect(fired).toEqual([atMs])
    expect(timers.size).toBe(1) // still armed until the loop consumes the fire
  })
})
