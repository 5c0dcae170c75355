import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { FdWatch, readFdUsage, type FdUsage } from '../../../daemon/runtime/fd-watch.ts'

describe('FdWatch', () => {
  it('warns once when open fds cross the ratio and re-arms after they fall back', () => {
    const lines: { level: number, msg: string, openFds: number }[] = []
    const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
    let usage: FdUsage = { open: 100, limit: 1000 }
    const watch = new FdWatch({ logger, read: () => usage })
    watch.check()
    expect(lines).toEqual([])
    usage = { open: 850, limit: 1000 }
    watch.check()
    watch.check()
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1)
    expect(lines[0]).toMatchObject({ openFds: 850, msg: expect.stringMatching(/near the limit/) })
    usage = { open: 600, limit: 1000 }
    watch.check()
    usage = { open: 900, limit: 1000 }
    watch.check()
    expect(lines.filter((l) => l.level === 40)).toHaveLength(2)
  })

  it('reads this process on Linux', () => {
    const usage = readFdUsage()
    if (process.platform !== 'linux') { expect(usage).toBeUndefined(); return }
    expect(usage?.open).toBeGreaterThan(2)
    expect(usage?.limit).toBeGreaterThan(usage?.open ?? 0)
  })
})
