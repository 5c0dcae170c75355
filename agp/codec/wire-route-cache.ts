/**
 * Encoded WireRoutes by Route object, for a sender that puts one route object into
 * the UPDATEs of several neighbors: a reflector's exported copy is one object shared by
 * every client it goes to, so each is encoded once instead of once per client. A Route
 * is immutable, so its bytes never go stale. Bounded: past `maxEntries` the oldest
 * goes (one more encoding, never other bytes); a few turns of export fit, which is
 * where the neighbors of one flush meet the same routes.
 *
 * The bytes kept are copies packed into the cache's own slabs (byte-slab.ts): an
 * encoding as protobufjs returns it is a view into node's 8 KiB Buffer pool, shared
 * with whatever else was allocated around it, so each entry kept a pool slab alive
 * (a reflector's full cache pinned ~11 MB for ~2.5 MB of encodings). Entries leave in
 * the order they came, so a slab is freed once its last entry went.
 */
import { FifoMap } from '../../kernel/index.ts'
import type { Route } from '../route/route.ts'
import { ByteSlab } from './byte-slab.ts'
import { encodeWireRouteWith } from './wire-route-encoder.ts'

export class WireRouteCache {
  private readonly entries: FifoMap<Route, Uint8Array> | undefined
  private readonly slab = new ByteSlab(Number.MAX_SAFE_INTEGER)
  /** Routes whose bytes came from the cache (for the bench and tests). */
  hits = 0
  // Each encoding is written here, then copied into the slab: one scratch array for
  // every route instead of an array (or a pool slice) per route.
  private scratch = new Uint8Array(16 * 1024)
  private readonly scratchOf = (length: number): Uint8Array => length <= this.scratch.length ? this.scratch : (this.scratch = new Uint8Array(length))
  constructor (readonly maxEntries = 4096) {
    this.entries = maxEntries > 0 ? new FifoMap(maxEntries) : undefined
  }

  get size (): number { return this.entries?.size ?? 0 }

  /** The WireRoute encoding of `route`, as agp.WireRoute.encode(toWireRoute(route)) gives it. */
  bytesOf (route: Route): Uint8Array {
    const hit = this.entries?.get(route)
    if (hit !== undefined) {
      this.hits++
      return hit
    }
    const encoded = encodeWireRouteWith(route, this.scratchOf)
    if (this.entries === undefined) return encoded.slice()
    const bytes = this.slab.copy(encoded)
    this.entries.set(route, bytes)
    return bytes
  }
}
