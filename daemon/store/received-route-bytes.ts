/**
 * The WireRoute bytes each received route was decoded from, from its UPDATE until the
 * write-behind persists it: a route's Adj-RIB-In record is those bytes as they came
 * (decodeRoute gives the same route back), so a flush writes them instead of encoding
 * every route again (re-encoding was about half of a receiver's persistence CPU:
 * bench/receive-path.ts).
 *
 * Keyed by the route object in a WeakMap. An entry goes when the writer takes it, or
 * with its route when the route is dropped before any flush (refused, replaced): what
 * is held is at most the routes received since the last flush, and no entry outlives its route.
 * A route without an entry (originated here, restored, or from a frame laid out some
 * other way) is encoded as before.
 */
import type { AnnounceBytesSink, Route } from '../../agp/index.ts'

export class ReceivedRouteBytes {
  private readonly wire = new WeakMap<Route, Uint8Array>()
  /** Routes whose record was written from their received bytes (for tests and benches). */
  taken = 0

  /** The decoder's sink: pass it to decodeFrame. */
  readonly note: AnnounceBytesSink = (route, wire) => { this.wire.set(route, wire) }

  /** The bytes `route` was received as, once: the entry is gone afterwards. */
  take (route: Route): Uint8Array | undefined {
    const wire = this.wire.get(route)
    if (wire === undefined) return undefined
    this.wire.delete(route)
    this.taken++
    return wire
  }
}
