import { describe, expect, it } from 'vitest'
import { effectiveTags, pathKey, routePathKey, type Route } from '../../../agp/route/route.ts'
import { seededRandom } from '../../../kernel/ports.ts'

function route (tags: string[], pathTags: string[]): Route {
  return {
    attrs: {
      capability: 'code-review/python', originOrg: 'acme', agentId: 'rev', originPeerId: 'p',
      endpoint: 'http://127.0.0.1:9001', costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 },
      winRate: { wins: 80, trials: 100, measuredAtMs: 0 }, region: 'eu', tags, originSeq: 1, originatedAtMs: 0
    },
    attrsBytes: new Uint8Array(), signature: new Uint8Array(), orgPath: ['acme'], sitePath: [], originatorId: '', clusterList: [], pathTags
  }
}

describe('route model', () => {
  it('keys a path by origin org and agent id', () => {
    expect(pathKey('acme', 'rev')).toBe('acme/rev')
    expect(routePathKey(route([], []))).toBe('acme/rev')
  })

  it('merges origin tags and path tags without duplicates', () => {
    expect(effectiveTags(route(['gpu'], []))).toEqual(['gpu'])
    expect(effectiveTags(route(['gpu', 'eu'], ['gpu', 'no-export']))).toEqual(['eu', 'gpu', 'no-export'])
  })
})

describe('seededRandom', () => {
  it('replays the same sequence for the same seed and stays in [0, 1)', () => {
    const a = seededRandom(7)
    const b = seededRandom(7)
    const xs = Array.from({ length: 100 }, () => a.next())
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.next()))
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(seededRandom(8).next()).not.toBe(xs[0])
  })
})
