/**
 * Who may receive a route, by where it came from: RFC 4456 §6 for reflectors, and
 * iBGP-style split horizon for non-reflectors. Pure; the rest of the export decision
 * (interests, policy, usability) is in export.ts.
 *
 * Neighbor roles (agp/codec/frame.ts) say what the neighbor is to us:
 * - client:    we reflect for it;
 * - peer:      a non-client reflector session (both sides reflectors);
 * - reflector: it reflects for us (we are its client);
 * - partner:   another org's daemon federating directly.
 */
import type { NeighborRole, SpeakerRole } from '../agp/codec/frame.ts'

/** Where a Loc-RIB path came from: one of our own agents, or a neighbor of that role. */
export type RouteSource = 'local' | NeighborRole

/**
 * May a route from `from` be advertised to a neighbor of role `to`?
 *
 * Reflector (RFC 4456 §6):
 * - our own routes go to everyone;
 * - a route from a client is reflected to all clients and all non-clients (peers,
 *   our own reflectors, partners) — the sender itself is excluded by export.ts;
 * - a route from a non-client (peer, reflector, partner) goes only to clients.
 *
 * Non-reflector ('peer' role speaker):
 * - our own routes go to everyone;
 * - a client does not reflect: a learned route never goes back to a reflector or to a
 *   non-client peer session; it may go to a partner, as export policy allows (the
 *   built-in rule blocks partner → partner unless a rule allows it).
 */
export function mayAdvertise (speakerRole: SpeakerRole, from: RouteSource, to: NeighborRole): boolean {
  if (from === 'local') return true
  if (speakerRole === 'reflector') {
    if (from === 'client') return true
    return to === 'client'
  }
  return to === 'partner'
}

/**
 * True when advertising a route from `from` is reflection in RFC 4456's sense: a
 * reflector passing on a route it learned. Reflection sets ORIGINATOR_ID (once) and
 * prepends the cluster id; our own routes are not reflected.
 */
export function isReflection (speakerRole: SpeakerRole, from: RouteSource): boolean {
  return speakerRole === 'reflector' && from !== 'local'
}
