import { describe, expect, it } from 'vitest'
import { Lifecycle, type Startable } from '../../../daemon/runtime/lifecycle.ts'

function recorder (name: string, calls: string[], fail?: string): Startable {
  const step = (phase: string) => () => {
    calls.push(`${name}.${phase}`)
    if (phase === fail) throw new Error(`${name} ${phase} failed`)
  }
  return { beforeStart: step('beforeStart'), start: step('start'), afterStart: step('afterStart'), beforeStop: step('beforeStop'), stop: step('stop'), afterStop: step('afterStop') }
}

describe('Lifecycle', () => {
  it('runs each start phase over all components in order, and each stop phase in reverse', async () => {
    const calls: string[] = []
    const life = new Lifecycle({ onStopError: () => {} })
    life.add('a', recorder('a', calls))
    life.add('b', recorder('b', calls))
    await life.start()
    expect(calls).toEqual(['a.beforeStart', 'b.beforeStart', 'a.start', 'b.start', 'a.afterStart', 'b.afterStart'])
    calls.length = 0
    await life.stop()
    expect(calls).toEqual(['b.beforeStop', 'a.beforeStop', 'b.stop', 'a.stop', 'b.afterStop', 'a.afterStop'])
  })

  it('starts only what was added since the last start; stops everything added', async () => {
    const calls: string[] = []
    const life = new Lifecycle({ onStopError: () => {} })
    life.add('store', { start: () => { calls.push('store.start') }, stop: () => { calls.push('store.stop') } })
    await life.start()
    life.add('api', { start: () => { calls.push('api.start') }, stop: () => { calls.push('api.stop') } })
    await life.start()
    life.add('never started', { start: () => { calls.push('late.start') }, stop: () => { calls.push('late.stop') } })
    await life.stop()
    expect(calls).toEqual(['store.start', 'api.start', 'late.stop', 'api.stop', 'store.stop'])
  })

  it('reports a failed stop step and still runs every other one', async () => {
    const calls: string[] = []
    const errors: string[] = []
    const life = new Lifecycle({ onStopError: (step, err) => { errors.push(`${step}: ${(err as Error).message}`) } })
    life.add('a', recorder('a', calls))
    life.add('b', recorder('b', calls, 'stop'))
    await life.start()
    calls.length = 0
    await life.stop()
    expect(calls).toEqual(['b.beforeStop', 'a.beforeStop', 'b.stop', 'a.stop', 'b.afterStop', 'a.afterStop'])
    expect(errors).toEqual(['b stop: b stop failed'])
  })

  it('lets a failed start throw, leaving the caller to stop what was added', async () => {
    const calls: string[] = []
    const life = new Lifecycle({ onStopError: () => {} })
    life.add('a', recorder('a', calls))
    life.add('b', recorder('b', calls, 'start'))
    await expect(life.start()).rejects.toThrow('b start failed')
    expect(calls).toEqual(['a.beforeStart', 'b.beforeStart', 'a.start', 'b.start'])
  })
})
