/**
 * The shared driver executes every effect kind through its ports: transport effects to
 * the Transport, timers to the Scheduler (stale fires dropped by token), audit and
 * Loc-RIB changes to the sinks, restart-state changes to the Store. Fake ports, a
 * scheduler whose turns run at once (as the simulator's), no time.
 */
import { describe, expect, it } from 'vitest'
import { EventLoop, type Scheduler, type Transport } from '../../../driver/index.ts'
import type { AuditEvent, Effect, SpeakerInput } from '../../../reflector/types.ts'

interface FakeTimer { readonly atMs: number, readonly fire: () => void, cleared: boolean }

function harness (script: (input: SpeakerInput) => Effect[]) {
  const calls: string[] = []
  const timers: FakeTimer[] = []
  const handled: SpeakerInput[] = []
  let nowMs = 1000
  const scheduler: Scheduler = {
    setTimer: (atMs, fire) => { const t = { atMs, fire, cleared: false }; timers.push(t); calls.push(`set-timer ${atMs}`); return t },
    clearTimer: (handle) => { (handle as FakeTimer).cleared = true; calls.push(`clear-timer ${(handle as FakeTimer).atMs}`) },
    defer: (turn) => { turn() },
    turnClockMs: () => 0
  }
  const transport: Transport = {
    send: (peer, frames) => { calls.push(`send ${peer} ${frames.map((f) => f.type).join(',')}`) },
    close: (peer) => { calls.push(`close ${peer}`) },
    dial: (peer) => { calls.push(`dial ${peer}`) },
    awaitDrain: (peer) => { calls.push(`await-drain ${peer}`) }
  }
  const speaker = { handle: (input: SpeakerInput, _nowMs: number) => { handled.push(input); return script(input) } }
  const loop = new EventLoop({ speaker, clock: { nowMs: () => nowMs }, scheduler, transport, store: { markDirty: () => { calls.push('dirty') } } }, {
    sinks: {
      audit: (event: AuditEvent) => { calls.push(`audit ${event.kind}`) },
      locRibChanged: (capability) => { calls.push(`loc-rib-changed ${capability}`) }
    }
  })
  return { loop, calls, timers, handled, setNow: (ms: number) => { nowMs = ms } }
}

const EVENT = { kind: 'session-up', peer: 'p1' } as unknown as AuditEvent

describe('the shared driver executes effects through its ports', () => {
  it('each effect kind, in the order the Speaker returned them, then the store once', () => {
    const h = harness((input) => input.type !== 'start' ? [] : [
      { type: 'dial', peer: 'p1' },
      { type: 'send', peer: 'p1', frames: [{ type: 'keepalive' }] },
      { type: 'set-timer', id: 'hold:p1', atMs: 4000 },
      { type: 'await-drain', peer: 'p1' },
      { type: 'loc-rib-changed', capability: 'a/b' },
      { type: 'audit', event: EVENT },
      { type: 'clear-timer', id: 'hold:p1' },
      { type: 'close', peer: 'p1' }
    ])
    h.loop.post({ type: 'start' })
    expect(h.calls).toEqual([
      'dial p1', 'send p1 keepalive', 'set-timer 4000', 'await-drain p1', 'loc-rib-changed a/b',
      'audit session-up', 'clear-timer 4000', 'close p1', 'dirty'
    ])
    expect(h.loop.stats()).toMatchObject({ handled: 1, timers: 0, queued: 0 })
  })

  it('marks the store dirty for inputs that change restart state, not for a keepalive', () => {
    const h = harness(() => [])
    h.loop.post({ type: 'frame', peer: 'p1', frame: { type: 'keepalive' } })
    expect(h.calls).toEqual([])
    h.loop.post({ type: 'transport-down', peer: 'p1', reason: 'x' })
    expect(h.calls).toEqual(['dirty'])
  })

  it('hands a timer fire to the Speaker once, and drops the fire of a replaced arming', () => {
    const h = harness((input) => input.type === 'start'
      ? [{ type: 'set-timer', id: 'mrai:p1', atMs: 2000 }, { type: 'set-timer', id: 'mrai:p1', atMs: 3000 }]
      : [])
    h.loop.post({ type: 'start' })
    const [first, second] = h.timers
    expect(first?.cleared).toBe(true)
    h.setNow(2000); first?.fire() // a scheduler that cannot cancel fires it anyway
    h.setNow(3000); second?.fire(); second?.fire()
    expect(h.handled.filter((i) => i.type === 'timer')).toEqual([{ type: 'timer', id: 'mrai:p1' }])
    expect(h.loop.stats().timers).toBe(0)
  })
})
