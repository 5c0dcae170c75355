/**
 * Who may receive a route, by where it came from: RFC 4456 §6 for reflectors,
 * iBGP-style split horizon for non-reflectors and between the sites of one org, and
 * RFC 9234's roles against route leaks. Pure; the rest of the export decision
 * (interests, loops, policy, usability) is in export.ts.
 *
 * Neighbor roles (agp/codec/frame.ts) say what the neighbor is to us:
 * - client:    we reflect for it;
 * - peer:      a non-client reflector session (both sides reflectors);
 * - reflector: it reflects for us (we are its client);
 * - partner:   another org's daemon federating directly;
 * - site, site-reflector, site-client: another site of our own org (internal sessions).
 */
import { isInternalRole, type NeighborRole, type SpeakerRole } from '../agp/index.ts'

/** Where a Loc-RIB path came from: one of our own agents, or a neighbor of that role. */
export type RouteSource = 'local' | NeighborRole

/**
 * The default for one (source, destination) pair:
 * - 'advertise': sent (subject to interests, loops and export rules);
 * - a leak reason: a route leak by default (RFC 9234), refused unless an export rule
 *   accepts it explicitly;
 * - 'never': the reflection rules forbid it (a loop or a reflection the topology does
 *   not allow); no rule can open it.
 */
export type ExportDefault = 'advertise' | 'never' | LeakReason
export type LeakReason = 'builtin-no-partner-leak' | 'builtin-no-federation-leak'

/**
 * Inside the org (towards a site neighbor), iBGP with RFC 4456 inside the org:
 * - our own agents and routes learned outside the org go to every other site;
 * - a route from a site-client is reflected to every other site;
 * - a route from a site or a site-reflector goes only to our site-clients (a full
 *   mesh needs no re-advertisement; a client never reflects).
 *
 * Towards the federation's reflectors and peers (RFC 4456 §6):
 * - a reflector reflects a client's route to everyone, a non-client's (a partner's
 *   too) only to clients;
 * - a non-reflector sends its org's own routes — its agents and those it learned from
 *   its other sites — and nothing learned from a reflector (a client never reflects);
 *   a partner's route goes into the federation only by an explicit export rule.
 *
 * Towards a partner (RFC 9234: a partner is a lateral peer): by default only the org's
 * own routes — origin org ours, from any of our sites — and our clients'; routes learned
 * from reflectors, peers or other partners are leaks unless an export rule accepts them.
 * A partner of one site is a partner of the org: every site decides the same way.
 *
 * `ownOrg`: the route's origin org is ours.
 */
export function exportDefault (speakerRole: SpeakerRole, from: RouteSource, to: NeighborRole, ownOrg: boolean): ExportDefault {
  if (from === 'local') return 'advertise'
  if (isInternalRole(to)) {
    if (!isInternalRole(from) || from === 'site-client') return 'advertise'
    return to === 'site-client' ? 'advertise' : 'never'
  }
  if (to === 'partner') {
    if (ownOrg || from === 'client') return 'advertise'
    return 'builtin-no-partner-leak'
  }
  // Towards the federation: a reflector, a client of ours, a non-client reflector peer.
  if (isInternalRole(from)) return ownOrg ? 'advertise' : 'never'
  if (speakerRole === 'reflector') {
    if (from === 'client') return 'advertise'
    // RFC 9234: a lateral peer's routes may go to customers (our clients).
    return to === 'client' ? 'advertise' : 'never'
  }
  return from === 'partner' ? 'builtin-no-federation-leak' : 'never'
}

/**
 * True when advertising a route from `from` is reflection in RFC 4456's sense: a
 * federation reflector passing on a route it learned. Reflection sets ORIGINATOR_ID
 * (once) and prepends the cluster id; our own routes are not reflected. Between the
 * sites of one org the site path detects loops instead (agp/route/site.ts).
 */
export function isReflection (speakerRole: SpeakerRole, from: RouteSource): boolean {
  return speakerRole === 'reflector' && from !== 'local'
}
