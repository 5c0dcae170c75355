import { describe, expect, it } from 'vitest'
import { pathKeyOf } from '../../../agp/index.ts'
import { memoOf } from '../../../reflector/route-memo.ts'
import { makeRoute } from '../../helpers/fixtures.ts'

describe('memoOf', () => {
  it('gives one memo per route object, invisible to JSON, keys and deep equality', () => {
    const route = makeRoute()
    const twin = makeRoute()
    const before = JSON.stringify(route)
    const memo = memoOf(route)
    expect(memoOf(route)).toBe(memo)
    expect(memo.path).toBe(pathKeyOf(route))
    expect(JSON.stringify(route)).toBe(before)
    expect(Object.keys(route)).toEqual(Object.keys(twin))
    expect(route).toStrictEqual(twin)
    expect(memoOf(twin)).not.toBe(memo)
  })

  it('keeps a memo for a frozen route too', () => {
    const route = Object.freeze(makeRoute())
    const memo = memoOf(route)
    expect(memoOf(route)).toBe(memo)
    expect(memo.path).toBe(pathKeyOf(route))
  })
})
