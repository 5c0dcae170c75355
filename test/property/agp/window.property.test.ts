import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OriginLimiter } from '../../../agp/window/origin-limits.ts'
import { DEFAULT_WINDOW_PARAMS } from '../../../agp/window/params.ts'
import type { Signal } from '../../../agp/window/signals.ts'
import { TaskWindow } from '../../../agp/window/task-window.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const P = DEFAULT_WINDOW_PARAMS
const signalArb = fc.constantFrom<Signal>('grow', 'congestion', 'none')

/** Run one round: every task a window allows goes out and ends with `signal`. */
function round (w: TaskWindow, signal: Signal, t: number): void {
  const n = Math.floor(w.tasks)
  for (let i = 0; i < n; i++) w.start()
  for (let i = 0; i < n; i++) w.finish(signal, t, t + 1)
}

describe('task window arithmetic (property)', () => {
  it('stays within [1, maxTasks] and starts a task only below the window', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      fc.array(fc.tuple(signalArb, fc.boolean()), { maxLength: 300 }),
      (initialTasks, maxTasks, decrease, steps) => {
        const w = new TaskWindow({ ...P, initialTasks: Math.min(initialTasks, maxTasks), maxTasks, decrease })
        let t = 0
        for (const [signal, start] of steps) {
          t++
          // After a cut, tasks already out may exceed the new window (as segments in flight
          // exceed a shrunk cwnd); no new one may start until they drain below it.
          if (start && w.hasRoom()) {
            expect(w.inFlight).toBeLessThan(Math.floor(w.tasks))
            w.start()
          } else if (w.inFlight > 0) w.finish(signal, t - 3, t)
          expect(w.tasks).toBeGreaterThanOrEqual(1)
          expect(w.tasks).toBeLessThanOrEqual(maxTasks)
        }
      }), { numRuns })
  })

  it('recovers after congestion: any history, then 2W good rounds, reaches W', () => {
    fc.assert(fc.property(fc.array(signalArb, { maxLength: 50 }), fc.integer({ min: 1, max: 40 }), (history, target) => {
      const w = new TaskWindow({ ...P, initialTasks: 8 })
      let t = 0
      for (const s of history) round(w, s, t++)
      for (let r = 0; r < 2 * target; r++) round(w, 'grow', t++)
      expect(w.tasks).toBeGreaterThanOrEqual(target)
      expect(w.congested(t)).toBe(false)
    }), { numRuns })
  })

  it('AIMD converges to a fair share when consumers share one bottleneck (Chiu–Jain)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 2, maxLength: 5 }), fc.integer({ min: 8, max: 80 }),
      (initial, capacity) => {
        // Pure AIMD (no slow start), every consumer sees the same congestion signal when
        // the bottleneck overflows: the gap between windows halves at every decrease.
        const ws = initial.map((i) => new TaskWindow({ ...P, initialTasks: i, slowStartThreshold: 1 }))
        for (let t = 0; t < 600; t++) {
          const load = ws.reduce((s, w) => s + Math.floor(w.tasks), 0)
          for (const w of ws) round(w, load > capacity ? 'congestion' : 'grow', t)
        }
        const sizes = ws.map((w) => w.tasks)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2)
        for (const s of sizes) expect(s).toBeGreaterThanOrEqual(1)
      }), { numRuns })
  })

  it('consumers sharing one origin limit: the origin is never exceeded, and each gets its fair share', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 1, max: 32 }), { minLength: 5, maxLength: 5 }), fc.boolean(),
      (consumers, perConsumer, initial, greedy) => {
        // With `greedy`, consumer 0 ignores every overload answer and always asks for the
        // whole limit: the origin's fair share must still protect the others.
        const limit = consumers * perConsumer
        const origin = new OriginLimiter({ maxInFlight: limit })
        const ws = Array.from({ length: consumers }, (_, i) => greedy && i === 0
          ? new TaskWindow({ ...P, initialTasks: limit, decrease: 0.999999, maxTasks: limit })
          : new TaskWindow({ ...P, initialTasks: initial[i] as number }))
        const served = ws.map(() => 0)
        const steps = 200
        let maxSeen = 0
        for (let t = 0; t < steps; t++) {
          const nowMs = t * 100
          const held: number[] = ws.map(() => 0)
          // A different consumer goes first at each step, as arrivals interleave.
          for (let k = 0; k < consumers; k++) {
            const i = (t + k) % consumers
            const w = ws[i] as TaskWindow
            while (w.hasRoom()) {
              w.start()
              const d = origin.acquire(`c${i}`, { tokens: 0, usd: 0 }, nowMs)
              if (!d.ok) { w.finish(greedy && i === 0 ? 'none' : 'congestion', nowMs, nowMs); break }
              held[i]!++
              maxSeen = Math.max(maxSeen, origin.inFlight())
            }
          }
          for (let i = 0; i < consumers; i++) {
            for (let j = 0; j < held[i]!; j++) {
              origin.release(`c${i}`, { tokens: 0, usd: 0 }, { tokens: 0, usd: 0 }, nowMs + 100)
              ws[i]!.finish('grow', nowMs, nowMs + 100)
              if (t >= steps / 2) served[i]!++
            }
          }
          for (const w of ws) expect(w.tasks).toBeGreaterThanOrEqual(1)
        }
        expect(maxSeen).toBeLessThanOrEqual(limit)
        // Over the second half each consumer is served at least half its share per step,
        // and the origin ran close to its limit (AIMD keeps the pipe full).
        const half = steps / 2
        served.forEach((s, i) => { if (!(greedy && i === 0)) expect(s / half).toBeGreaterThanOrEqual(perConsumer / 2) })
        expect(served.reduce((a, b) => a + b, 0) / half).toBeGreaterThanOrEqual(limit * 0.5)
      }), { numRuns: Math.max(10, Math.floor(numRuns / 10)) })
  })
})
