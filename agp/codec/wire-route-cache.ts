/**
 * Encoded WireRoutes by Route object, for a sender that puts one route object into
 * the UPDATEs of several neighbors: a reflector's exported copy is one object shared by
 * every client it goes to, so each is encoded once instead of once per client. A Route
 * is immutable, so its bytes never go stale. Bounded: past `maxEntries` the oldest
 * goes (one more encoding, never other bytes); a few turns of export fit, which is
 * where the neighbors of one flush meet the same routes.
 */
import { agp } from '../proto/gen/agp.js'
import type { Route } from '../route/route.ts'
import { toWireRoute } from './route-wire.ts'

export class WireRouteCache {
  private readonly entries = new Map<Route, Uint8Array>()
  /** Routes whose bytes came from the cache (for the bench and tests). */
  hits = 0
  constructor (readonly maxEntries = 4096) {}

  get size (): number { return this.entries.size }

  /** The WireRoute encoding of `route`, as agp.WireRoute.encode(toWireRoute(route)) gives it. */
  bytesOf (route: Route): Uint8Array {
    const hit = this.entries.get(route)
    if (hit !== undefined) {
      this.hits++
      return hit
    }
    const bytes = agp.WireRoute.encode(toWireRoute(route)).finish()
    if (this.maxEntries <= 0) return bytes
    this.entries.set(route, bytes)
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    return bytes
  }
}
