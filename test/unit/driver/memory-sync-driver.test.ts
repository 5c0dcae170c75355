/**
 * The shared memory sync driver executes every effect kind of a SyncMachine through its
 * ports, queues inputs so a machine never runs inside its own effects, and drops the
 * fire of a replaced redial timer. Fake ports and a fake machine; no time.
 */
import { describe, expect, it } from 'vitest'
import type { SyncEffect, SyncInput, SyncMachine } from '../../../crdt/index.ts'
import { MemorySyncDriver, type Scheduler } from '../../../driver/index.ts'

function harness (script: (peer: string, input: SyncInput) => SyncEffect[]) {
  const calls: string[] = []
  const fires: Array<() => void> = []
  const scheduler: Scheduler = {
    setTimer: (atMs, fire) => { calls.push(`set-timer ${atMs}`); fires.push(fire); return fires.length - 1 },
    clearTimer: (handle) => { calls.push(`clear-timer #${String(handle)}`) },
    defer: (turn) => { turn() },
    turnClockMs: () => 0
  }
  const driver = new MemorySyncDriver({
    clock: { nowMs: () => 5 },
    scheduler,
    transport: {
      dial: (peer) => { calls.push(`dial ${peer}`) },
      send: (peer, messages) => { calls.push(`send ${peer} ${messages.map((m) => m.type).join(',')}`) },
      awaitDrain: (peer) => { calls.push(`await-drain ${peer}`) }
    },
    receiver: { receive: (peer, namespace, envelopes) => { calls.push(`receive ${peer} ${namespace} ${envelopes.length}`); return true } },
    outputLost: (peer, reason, retryMs) => { calls.push(`output-lost ${peer} ${reason} ${retryMs}`) }
  })
  for (const peer of ['p1', 'p2']) {
    driver.machines.set(peer, { handle: (input: SyncInput) => { calls.push(`${peer} <- ${input.type}`); return script(peer, input) } } as unknown as SyncMachine)
  }
  return { driver, calls, fires }
}

describe('the shared memory sync driver', () => {
  it('executes each effect kind through its port, and a parked deliver comes back after the current input', () => {
    const h = harness((peer, input) => {
      if (peer !== 'p1' || input.type !== 'start') return []
      return [
        { type: 'dial' },
        { type: 'send', messages: [{ type: 'want', namespace: 'n', vector: new Map() }] },
        { type: 'await-drain' },
        { type: 'deliver', namespace: 'n', envelopes: [] },
        { type: 'output-lost', reason: 'gone', retryMs: 100 },
        { type: 'set-timer', atMs: 100 },
        { type: 'clear-timer' }
      ]
    })
    h.driver.start()
    h.driver.input('p1', { type: 'start' })
    expect(h.calls).toEqual([
      'p1 <- start', 'dial p1', 'send p1 want', 'await-drain p1', 'receive p1 n 0', 'output-lost p1 gone 100',
      'set-timer 100', 'clear-timer #0', 'p1 <- parked'
    ])
  })

  it('hands a redial fire to the machine once, drops a replaced one, and arms nothing once stopped', () => {
    const h = harness((_peer, input) => input.type === 'start' ? [{ type: 'set-timer', atMs: 10 }, { type: 'set-timer', atMs: 20 }] : [])
    h.driver.start()
    h.driver.input('p2', { type: 'start' })
    h.fires[0]?.(); h.fires[1]?.(); h.fires[1]?.()
    expect(h.calls.filter((c) => c === 'p2 <- timer')).toHaveLength(1)
    h.driver.stop()
    h.driver.input('p2', { type: 'start' })
    expect(h.fires).toHaveLength(2)
  })
})
