// The freshness queue keeps its entries in buckets of one (transition time, peer), each
// sorted by path when it reaches the top. Whatever the mix of pushes and pops, entries
// must leave exactly as from one list ordered by (time, peer, path), equal keys in the
// order they came: the Speaker's effects follow that order.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FreshnessQueue, type FreshnessEntry } from '../../../reflector/speaker-freshness-queue.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)

const entry = fc.record({
  atMs: fc.integer({ min: 0, max: 5 }).map((t) => 1_700_000_000_000 + t * 1000),
  peer: fc.constantFrom('p1', 'p2', 'p3'),
  path: fc.constantFrom('acme/a', 'acme/b', 'beta/a', 'beta/c', 'zeta/z'),
  stampMs: fc.integer({ min: 0, max: 3 })
})
const op = fc.oneof({ weight: 3, arbitrary: entry }, { weight: 2, arbitrary: fc.constant('pop' as const) })

function first (model: { e: FreshnessEntry, seq: number }[]): number {
  let best = -1
  for (let i = 0; i < model.length; i++) {
    const a = model[i]!
    const b = best < 0 ? undefined : model[best]!
    if (b === undefined || a.e.atMs < b.e.atMs || (a.e.atMs === b.e.atMs && (a.e.peer < b.e.peer ||
      (a.e.peer === b.e.peer && (a.e.path < b.e.path || (a.e.path === b.e.path && a.seq < b.seq)))))) best = i
  }
  return best
}

describe('FreshnessQueue', () => {
  it('pops in (time, peer, path) order, equal keys in arrival order', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const q = new FreshnessQueue()
      const model: { e: FreshnessEntry, seq: number }[] = []
      let seq = 0
      const check = (): void => {
        const i = first(model)
        expect(q.peek()).toEqual(i < 0 ? undefined : model[i]!.e)
      }
      for (const o of ops) {
        if (o === 'pop') {
          const i = first(model)
          const want = i < 0 ? undefined : model.splice(i, 1)[0]!.e
          expect(q.pop()).toEqual(want)
        } else {
          q.push(o)
          model.push({ e: o, seq: seq++ })
        }
        expect(q.size).toBe(model.length)
        check()
      }
      while (model.length > 0) {
        const i = first(model)
        expect(q.pop()).toEqual(model.splice(i, 1)[0]!.e)
      }
      expect(q.pop()).toBeUndefined()
    }), { numRuns })
  })

  it('a large bucket drains in path order across its compactions', () => {
    const q = new FreshnessQueue()
    const paths = Array.from({ length: 5000 }, (_, i) => `o/a${String(4999 - i).padStart(5, '0')}`)
    for (const p of paths) q.add(10, 'p', p, 1)
    const out: string[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.path)
    expect(out).toEqual([...paths].sort())
  })

  it('nextLiveAtMs is the time of the first live entry in (time, peer, path) order; live entries then leave in that order', () => {
    const dead = fc.uniqueArray(fc.tuple(fc.constantFrom('p1', 'p2', 'p3'), fc.constantFrom('acme/a', 'acme/b', 'beta/a', 'beta/c', 'zeta/z'), fc.integer({ min: 0, max: 3 })), { maxLength: 30 })
    const ops = fc.array(fc.oneof({ weight: 3, arbitrary: entry }, { weight: 1, arbitrary: fc.constant('pop' as const) }, { weight: 2, arbitrary: fc.constant('arm' as const) }), { maxLength: 300 })
    fc.assert(fc.property(dead, ops, (deadList, list) => {
      const deadSet = new Set(deadList.map(([peer, path, o]) => `${peer} ${path} ${o}`))
      const live = (peer: string, path: string, o: number): boolean => !deadSet.has(`${peer} ${path} ${o}`)
      const q = new FreshnessQueue()
      const model: { e: FreshnessEntry, seq: number }[] = []
      let seq = 0
      const firstLive = (): { e: FreshnessEntry, seq: number } | undefined =>
        [...model].sort((a, b) => first([a, b]) === 0 ? -1 : 1).find((m) => live(m.e.peer, m.e.path, m.e.stampMs))
      for (const o of list) {
        if (o === 'arm') {
          expect(q.nextLiveAtMs(live)).toBe(firstLive()?.e.atMs)
        } else if (o === 'pop') {
          // What the Speaker's timer does: pop, skipping outdated entries, up to the first live one.
          const want = firstLive()
          for (;;) {
            const e = q.pop()
            if (e === undefined || live(e.peer, e.path, e.stampMs)) {
              expect(e).toEqual(want?.e)
              break
            }
          }
          // The model drops the live entry and every outdated one before it.
          if (want !== undefined) {
            const before = model.filter((m) => first([m, want]) === 0 && m !== want)
            for (const m of [want, ...before.filter((m) => !live(m.e.peer, m.e.path, m.e.stampMs))]) model.splice(model.indexOf(m), 1)
          } else {
            model.length = 0
          }
        } else {
          q.push(o)
          model.push({ e: o, seq: seq++ })
        }
      }
    }), { numRuns })
  })

  it('arming sorts nothing while a large batch arrives into one bucket; the bucket is sorted once, when it drains', () => {
    const arrive = (arm: (q: FreshnessQueue) => void): number => {
      const q = new FreshnessQueue()
      for (let i = 0; i < 2000; i++) {
        q.add(10, 'p', `o/a${String(1999 - i).padStart(5, '0')}`, 1)
        arm(q)
      }
      return q.sorts
    }
    expect(arrive((q) => q.nextLiveAtMs(() => true))).toBe(0)
    // Arming by peek, as the Speaker once did, re-sorted the whole bucket every time.
    expect(arrive((q) => q.peek())).toBe(1999)
    const q = new FreshnessQueue()
    for (let i = 0; i < 2000; i++) q.add(10, 'p', `o/a${String(1999 - i).padStart(5, '0')}`, 1)
    let n = 0
    for (let e = q.pop(); e !== undefined; e = q.pop()) n++
    expect([n, q.sorts]).toEqual([2000, 1])
  })
})
