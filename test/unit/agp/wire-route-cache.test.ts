import { describe, expect, it } from 'vitest'
import { SLAB_BYTES } from '../../../agp/codec/byte-slab.ts'
import { toWireRoute } from '../../../agp/codec/route-wire.ts'
import { WireRouteCache } from '../../../agp/codec/wire-route-cache.ts'
import { agp } from '../../../agp/proto/gen/agp.js'
import { makeRoute } from '../../helpers/fixtures.ts'

describe('WireRouteCache', () => {
  it('keeps each encoding in its own slabs, not in a view of a larger shared buffer', () => {
    const cache = new WireRouteCache(64)
    const routes = Array.from({ length: 200 }, (_, i) => makeRoute({ agentId: `a${i}` }, { attrsBytes: new Uint8Array(300).fill(i) }))
    for (const r of routes) {
      const bytes = cache.bytesOf(r)
      expect(Array.from(bytes)).toEqual(Array.from(agp.WireRoute.encode(toWireRoute(r)).finish()))
      // What an entry can keep alive: at most one slab.
      expect(bytes.buffer.byteLength).toBeLessThanOrEqual(SLAB_BYTES)
    }
    expect(cache.bytesOf(routes[199]!)).toBe(cache.bytesOf(routes[199]!))
    expect(cache.size).toBe(64)
  })
})
