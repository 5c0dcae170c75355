/**
 * One Route ⇄ bytes (a WireRoute message), for persisting the Adj-RIB-In (graceful
 * restart) and anywhere a single route is stored. The signed attrsBytes are kept
 * verbatim; decodeRoute validates exactly as an UPDATE's announces are validated.
 */
import { agp } from '../proto/gen/agp.js'
import { errorText } from '../codec/attrs-codec.ts'
import { FrameDecodeError, UpdateSubcode, updateError, type DecodeResult } from '../codec/errors.ts'
import { fromWireRoute, toWireRoute } from '../codec/route-wire.ts'
import type { Route } from './route.ts'

export function encodeRoute (route: Route): Uint8Array {
  const bytes = agp.WireRoute.encode(toWireRoute(route)).finish()
  return new Uint8Array(bytes)
}

/** Never throws. */
export function decodeRoute (bytes: Uint8Array): DecodeResult<Route> {
  try {
    return { ok: true, value: fromWireRoute(agp.WireRoute.decode(bytes)) }
  } catch (e) {
    if (e instanceof FrameDecodeError) return { ok: false, error: e }
    return { ok: false, error: updateError(`route does not parse: ${errorText(e)}`, UpdateSubcode.MalformedRoute, e) }
  }
}
