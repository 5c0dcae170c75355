// Regression (found by test/integration/federation-reflection.test.ts): setTimeout can
// fire a little before atMs on the daemon's clock, and the Speaker ignores a timer that
// is not due; the scheduler must then wait the rest rather than hand over an early fire.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { systemScheduler } from '../../../daemon/runtime/index.ts'

describe('systemScheduler', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('never fires before atMs on its clock, even when setTimeout fires early', () => {
    let lagMs = 0
    const clock = { nowMs: () => Date.now() - lagMs }
    const fired: number[] = []
    const scheduler = systemScheduler(clock)
    const atMs = clock.nowMs() + 100
    scheduler.setTimer(atMs, () => { fired.push(clock.nowMs()) })
    lagMs = 3 // the clock the Speaker sees is 3 ms behind setTimeout's idea of time
    vi.advanceTimersByTime(100)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(3)
    expect(fired).toEqual([atMs])
  })

  it('cancels a timer that is waiting out an early fire', () => {
    let lagMs = 0
    const clock = { nowMs: () => Date.now() - lagMs }
    const fired: number[] = []
    const scheduler = systemScheduler(clock)
    const handle = scheduler.setTimer(clock.nowMs() + 100, () => { fired.push(clock.nowMs()) })
    lagMs = 3
    vi.advanceTimersByTime(100) // fired early: re-armed for the rest
    scheduler.clearTimer(handle)
    vi.advanceTimersByTime(10)
    expect(fired).toEqual([])
  })
})
