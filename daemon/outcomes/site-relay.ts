/**
 * Where shared outcomes go inside an org: the reflection rules of RFC 4456 §6 applied to
 * internal sessions. Our own outcomes go to every internal neighbor; one received from
 * a site client is relayed to every other internal neighbor; one received from a
 * non-client (`site`, `site-reflector`) only to our site clients. A full mesh therefore
 * never relays, and clients of one site reflector reach each other through it.
 */
import type { NeighborRole } from '../../agp/index.ts'

export const INTERNAL_ROLES: ReadonlySet<NeighborRole> = new Set<NeighborRole>(['site', 'site-reflector', 'site-client'])

export interface InternalNeighbor {
  readonly peerId: string
  readonly role: NeighborRole
}

/** `from` undefined: our own outcomes. */
export function shareTargets (neighbors: readonly InternalNeighbor[], from?: InternalNeighbor): string[] {
  return neighbors
    .filter((n) => INTERNAL_ROLES.has(n.role) && n.peerId !== from?.peerId)
    .filter((n) => from === undefined || from.role === 'site-client' || n.role === 'site-client')
    .map((n) => n.peerId)
}
