import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Effect, SpeakerInput } from '../../../reflector/types.ts'
import { EventLoop, EventLoopOverloadError, type EventLoopInit, type Transport } from '../../../driver/index.ts'
import { systemScheduler } from '../../../daemon/runtime/index.ts'

/** A speaker that records inputs and answers each with the effects a test scripts. */
function fakeSpeaker (script: (input: SpeakerInput, nowMs: number) => Effect[] = () => []) {
  const seen: { input: SpeakerInput, nowMs: number }[] = []
  return {
    seen,
    handle (input: SpeakerInput, nowMs: number): Effect[] {
      seen.push({ input, nowMs })
      return script(input, nowMs)
    }
  }
}

const clock = { nowMs: () => Date.now() }
const scheduler = systemScheduler(clock)
const noTransport: Transport = { send: () => {}, close: () => {}, dial: () => {}, awaitDrain: () => {} }

/** The loop as the daemon runs it (setTimeout, setImmediate; fake timers here), transport effects dropped. */
function daemonLoop (speaker: ReturnType<typeof fakeSpeaker>, init: EventLoopInit = {}, turnClockMs?: () => number): EventLoop {
  return new EventLoop({
    speaker, clock, transport: noTransport, scheduler: turnClockMs !== undefined ? { ...scheduler, turnClockMs } : scheduler
  }, init)
}
const keepalive = (peer: string): SpeakerInput => ({ type: 'frame', peer, frame: { type: 'keepalive' } })

describe('EventLoop', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('handles inputs one at a time in arrival order and passes other effects on', async () => {
    const speaker = fakeSpeaker((input) => input.type === 'start' ? [{ type: 'dial', peer: 'p1' }] : [])
    const executed: Effect[] = []
    const transport: Transport = { ...noTransport, dial: (peer) => { executed.push({ type: 'dial', peer }) } }
    const loop = new EventLoop({ speaker, clock, scheduler, transport }, {})
    loop.post({ type: 'start' })
    expect(loop.offer(keepalive('p1'))).toBe(true)
    const done = loop.submit({ type: 'agent-remove', id: 'x' })
    await vi.runAllTimersAsync()
    await done
    expect(speaker.seen.map((s) => s.input.type)).toEqual(['start', 'frame', 'agent-remove'])
    expect(executed).toEqual([{ type: 'dial', peer: 'p1' }])
    expect(loop.stats().handled).toBe(3)
  })

  it('fires timers at their time; set replaces, clear cancels', async () => {
    const speaker = fakeSpeaker((input, now) => {
      if (input.type !== 'start') return []
      return [
        { type: 'set-timer', id: 'hold', atMs: now + 3000 },
        { type: 'set-timer', id: 'keepalive', atMs: now + 1000 },
        { type: 'set-timer', id: 'keepalive', atMs: now + 2000 }, // replaces
        { type: 'set-timer', id: 'gone', atMs: now + 500 },
        { type: 'clear-timer', id: 'gone' }
      ]
    })
    const loop = daemonLoop(speaker)
    loop.post({ type: 'start' })
    await vi.advanceTimersByTimeAsync(5000)
    const startedAt = speaker.seen[0]?.nowMs ?? 0
    const timers = speaker.seen.filter((s) => s.input.type === 'timer')
    expect(timers.map((s) => (s.input as { id: string }).id)).toEqual(['keepalive', 'hold'])
    // Handled at (or a tick after, when the loop's turn comes) the time set.
    const delays = timers.map((s) => s.nowMs - startedAt)
    expect(delays[0]).toBeGreaterThanOrEqual(2000); expect(delays[0]).toBeLessThan(2010)
    expect(delays[1]).toBeGreaterThanOrEqual(3000); expect(delays[1]).toBeLessThan(3010)
    expect(loop.stats().timers).toBe(0)
  })

  it('drops a fire already queued when its timer was re-armed', async () => {
    let rearm = true
    const speaker = fakeSpeaker((input, now) => {
      if (input.type === 'start') return [{ type: 'set-timer', id: 't', atMs: now + 10 }]
      // The frame arrives in the same turn as the fire and re-arms the timer first.
      if (input.type === 'frame' && rearm) { rearm = false; return [{ type: 'set-timer', id: 't', atMs: now + 1000 }] }
      return []
    })
    const loop = daemonLoop(speaker)
    loop.post({ type: 'start' })
    await vi.advanceTimersByTimeAsync(1)
    loop.offer(keepalive('p'))
    // Queue: [frame]; the timer fires at +10 and queues behind it; the frame re-arms first.
    vi.advanceTimersByTime(10)
    await vi.advanceTimersByTimeAsync(2000)
    const fires = speaker.seen.filter((s) => s.input.type === 'timer').map((s) => s.nowMs - 1_000_000)
    expect(fires).toHaveLength(1)
    expect(fires[0]).toBeGreaterThanOrEqual(1000)
  })

  it('is bounded: frames are refused when full, control inputs get a reserve, then an error', () => {
    const pressure: boolean[] = []
    const loop = daemonLoop(fakeSpeaker(), {
      maxQueue: 8, controlReserve: 2, sinks: { pressure: (h) => { pressure.push(h) } }
    })
    for (let i = 0; i < 8; i++) expect(loop.offer(keepalive('p'))).toBe(true)
    expect(loop.offer(keepalive('p'))).toBe(false)
    expect(pressure).toEqual([true])
    loop.post({ type: 'transport-down', peer: 'p', reason: 'x' })
    loop.post({ type: 'transport-down', peer: 'p', reason: 'y' })
    expect(() => { loop.post({ type: 'start' }) }).toThrow(EventLoopOverloadError)
    expect(loop.stats().refused).toBe(2)
  })

  it('signals low pressure once drained, and survives a speaker that throws', async () => {
    const pressure: boolean[] = []
    const errors: string[] = []
    const speaker = fakeSpeaker((input) => { if (input.type === 'bad-frame') throw new Error('core bug'); return [] })
    const loop = daemonLoop(speaker, {
      maxQueue: 8, batchSize: 2, sinks: { pressure: (h) => { pressure.push(h) }, error: (e) => { errors.push(String(e)) } }
    })
    loop.offer({ type: 'bad-frame', peer: 'p', error: 'x' })
    for (let i = 0; i < 7; i++) loop.offer(keepalive('p'))
    await vi.runAllTimersAsync()
    expect(pressure).toEqual([true, false])
    expect(errors).toEqual(['Error: core bug'])
    expect(loop.stats()).toMatchObject({ handled: 7, errors: 1, queued: 0 })
  })

  it('runs calls in loop order and rejects everything after stop', async () => {
    const speaker = fakeSpeaker()
    const loop = daemonLoop(speaker)
    loop.post({ type: 'start' })
    const order = loop.run(() => speaker.seen.length)
    await vi.runAllTimersAsync()
    expect(await order).toBe(1)
    const pending = loop.submit({ type: 'stop' })
    loop.stop()
    await expect(pending).rejects.toThrow(/stopped/)
    expect(loop.offer(keepalive('p'))).toBe(false)
    await expect(loop.submit({ type: 'start' })).rejects.toThrow(/stopped/)
  })

  it('yields to I/O once a turn ran turnBudgetMs, not after a batch of inputs', async () => {
    let t = 0
    // Every input takes 3 ms (an UPDATE's signature checks): a 5 ms turn holds two.
    const speaker = fakeSpeaker(() => { t += 3; return [] })
    const loop = daemonLoop(speaker, { turnBudgetMs: 5 }, () => t)
    for (let i = 0; i < 10; i++) loop.offer(keepalive('p'))
    await vi.advanceTimersToNextTimerAsync()
    expect(speaker.seen).toHaveLength(2)
    await vi.runAllTimersAsync()
    expect(speaker.seen).toHaveLength(10)
  })

  it('bounds queued UPDATEs by the routes they carry, not by their count', () => {
    const pressure: boolean[] = []
    const update = (n: number): SpeakerInput => ({
      type: 'frame', peer: 'p', frame: { type: 'update', withdraws: [], announces: Array.from({ length: n }, () => ({}) as never) }
    })
    const loop = daemonLoop(fakeSpeaker(), {
      maxQueue: 1000, maxQueuedRoutes: 2500, sinks: { pressure: (h) => { pressure.push(h) } }
    })
    expect(loop.offer(update(1000))).toBe(true)
    expect(pressure).toEqual([])
    expect(loop.offer(update(1000))).toBe(true)
    expect(pressure).toEqual([true])
    expect(loop.offer(update(1000))).toBe(true)
    // 3 frames of 1,000 routes: full, although 3 of 1,000 inputs are queued.
    expect(loop.offer(update(1))).toBe(false)
    expect(loop.offer(keepalive('p'))).toBe(false)
  })
})

describe('EventLoop liveness under bulk work', () => {
  // Timers are fake, setImmediate is real: each `turn()` lets the loop run exactly the
  // turns already scheduled, so a timer can be made to fire between two turns.
  beforeEach(() => { vi.useFakeTimers({ now: 2_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] }) })
  afterEach(() => { vi.useRealTimers() })
  const turn = async (): Promise<void> => { await new Promise<void>((resolve) => { setImmediate(resolve) }) }
  const kinds = (seen: { input: SpeakerInput }[]): string[] =>
    seen.map((s) => s.input.type === 'timer' ? s.input.id : s.input.type)

  it('handles a keepalive timer fire before UPDATEs that were queued ahead of it', async () => {
    const speaker = fakeSpeaker((input, now) => input.type === 'start' ? [{ type: 'set-timer', id: 'keepalive:p', atMs: now + 10 }] : [])
    const loop = daemonLoop(speaker, { batchSize: 10, turnBudgetMs: 1e9 })
    loop.post({ type: 'start' })
    await turn()
    for (let i = 0; i < 100; i++) loop.offer(keepalive('q'))
    await turn() // ten frames
    vi.advanceTimersByTime(10) // the keepalive timer fires with 90 frames still queued
    for (let i = 0; i < 20; i++) await turn()
    expect(loop.stats().queued).toBe(0)
    expect(kinds(speaker.seen).indexOf('keepalive:p')).toBe(11)
  })

  it('does not judge a hold timer while reads are paused: it is re-armed until the queue drains', async () => {
    const speaker = fakeSpeaker((input, now) => input.type === 'start' ? [{ type: 'set-timer', id: 'hold:p', atMs: now + 10 }] : [])
    const pressure: boolean[] = []
    const loop = daemonLoop(speaker, {
      maxQueue: 8, holdDeferMs: 250, sinks: { pressure: (h) => { pressure.push(h) } }
    })
    loop.post({ type: 'start' })
    await turn()
    for (let i = 0; i < 7; i++) loop.offer(keepalive('q'))
    expect(pressure).toEqual([true])
    vi.advanceTimersByTime(10) // hold fires while reads are paused
    await turn()
    expect(pressure).toEqual([true, false])
    expect(kinds(speaker.seen)).not.toContain('hold:p')
    vi.advanceTimersByTime(250)
    await turn()
    expect(kinds(speaker.seen).filter((k) => k === 'hold:p')).toHaveLength(1)
    expect(speaker.seen.at(-1)?.nowMs).toBe(2_000_260)
  })
})
