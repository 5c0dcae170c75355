import { describe, expect, it } from 'vitest'
import { DEFAULT_WINDOW_PARAMS, validateWindowParams } from '../../../agp/window/params.ts'
import { signalOf } from '../../../agp/window/signals.ts'
import { CONGESTION_HOLD_MS, TaskWindow } from '../../../agp/window/task-window.ts'

const P = DEFAULT_WINDOW_PARAMS

function fill (w: TaskWindow): number {
  let n = 0
  while (w.hasRoom()) { w.start(); n++ }
  return n
}

describe('TaskWindow', () => {
  it('starts at initialTasks and doubles per window in slow start', () => {
    const w = new TaskWindow(P)
    expect(w.tasks).toBe(1)
    const sizes: number[] = []
    for (let round = 0; round < 5; round++) {
      const n = fill(w)
      for (let i = 0; i < n; i++) w.finish('grow', round, round + 1)
      sizes.push(w.tasks)
    }
    expect(sizes.slice(0, 4)).toEqual([2, 4, 8, 16])
    expect(sizes[4]).toBeCloseTo(17, 1)
  })

  it('grows by one per window above the threshold', () => {
    const w = new TaskWindow({ ...P, initialTasks: 16 })
    const n = fill(w)
    expect(n).toBe(16)
    for (let i = 0; i < n; i++) w.finish('grow', 0, 1)
    expect(w.tasks).toBeGreaterThan(16.9)
    expect(w.tasks).toBeLessThan(17.1)
  })

  it('halves on congestion, never below 1, once per window', () => {
    const w = new TaskWindow({ ...P, initialTasks: 8 })
    fill(w)
    w.finish('congestion', 0, 100)
    expect(w.tasks).toBe(4)
    // Tasks in flight when the window was cut carry no new information.
    w.finish('congestion', 50, 120)
    expect(w.tasks).toBe(4)
    w.finish('congestion', 100, 130)
    expect(w.tasks).toBe(2)
    for (let t = 200; t < 300; t += 10) { w.start(); w.finish('congestion', t, t + 1) }
    expect(w.tasks).toBe(1)
    while (w.inFlight > 0) w.cancel()
    expect(w.hasRoom()).toBe(true)
  })

  it('is congested after a cut until a full window of good tasks, or the hold time', () => {
    const w = new TaskWindow({ ...P, initialTasks: 4 })
    expect(w.congested(0)).toBe(false)
    w.start(); w.finish('congestion', 0, 10)
    expect(w.tasks).toBe(2)
    expect(w.congested(10)).toBe(true)
    w.start(); w.finish('grow', 10, 20)
    expect(w.congested(20)).toBe(true)
    w.start(); w.finish('grow', 20, 30)
    expect(w.congested(30)).toBe(false)
    const idle = new TaskWindow({ ...P, initialTasks: 4 })
    idle.start(); idle.finish('congestion', 0, 10)
    expect(idle.congested(10 + CONGESTION_HOLD_MS - 1)).toBe(true)
    expect(idle.congested(10 + CONGESTION_HOLD_MS)).toBe(false)
  })

  it('never exceeds maxTasks', () => {
    const w = new TaskWindow({ ...P, maxTasks: 3 })
    for (let i = 0; i < 20; i++) { w.start(); w.finish('grow', i, i + 1) }
    expect(w.tasks).toBe(3)
  })

  it('a failure without load meaning and a cancel leave the window alone', () => {
    const w = new TaskWindow({ ...P, initialTasks: 4 })
    w.start(); w.finish('none', 0, 1)
    w.start(); w.cancel()
    expect(w.tasks).toBe(4)
    expect(w.inFlight).toBe(0)
  })
})

describe('signalOf', () => {
  it('maps outcomes to AIMD signals', () => {
    expect(signalOf({ kind: 'success', latencyMs: 50 }, 100)).toBe('grow')
    expect(signalOf({ kind: 'success', latencyMs: 100 }, 100)).toBe('none')
    expect(signalOf({ kind: 'success', latencyMs: 101 }, 100)).toBe('congestion')
    expect(signalOf({ kind: 'success', latencyMs: Number.NaN }, 100)).toBe('congestion')
    expect(signalOf({ kind: 'overload' }, 100)).toBe('congestion')
    expect(signalOf({ kind: 'timeout' }, 100)).toBe('congestion')
    expect(signalOf({ kind: 'failure' }, 100)).toBe('none')
  })
})

describe('validateWindowParams', () => {
  it('accepts the defaults and names each bad field', () => {
    expect(validateWindowParams(P)).toEqual([])
    const errors = validateWindowParams({ ...P, initialTasks: 0, decrease: 1, sloMs: -1 })
    expect(errors.join('\n')).toMatch(/initialTasks/)
    expect(errors.join('\n')).toMatch(/decrease/)
    expect(errors.join('\n')).toMatch(/sloMs/)
  })
})

describe('restart after idle', () => {
  it('goes back to initialTasks after idleMs without traffic, keeping the threshold', () => {
    const w = new TaskWindow({ ...DEFAULT_WINDOW_PARAMS, initialTasks: 2 })
    for (let i = 0; i < 6; i++) { w.start(); w.finish('grow', i, i + 1) }
    expect(w.tasks).toBe(8)
    w.restartAfterIdle(500, 1000)
    expect(w.tasks).toBe(8)
    w.restartAfterIdle(1007, 1000)
    expect(w.tasks).toBe(2)
    expect(w.state().slowStartThreshold).toBe(16)
  })
})
