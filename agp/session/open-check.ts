/**
 * OPEN acceptance (RFC 4271 §6.2, adapted): the neighbor must be the org we
 * configured, in a role compatible with what it is to us, with a usable hold time.
 */
import { isInternalRole, NotificationCode, OpenSubcode, type NeighborRole, type OpenFrame, type SpeakerRole } from '../codec/frame.ts'

export const MIN_HOLD_TIME_S = 3

export interface OpenRejection {
  readonly code: NotificationCode
  readonly subcode: number
  readonly text: string
}

/**
 * The roles a neighbor may announce, given what it is to us: a 'reflector' reflects
 * for us and a 'peer' is a fellow reflector (RFC 4456 non-client), so both must speak
 * as reflectors; another site of our org (site, site-reflector, site-client) is a
 * site daemon, never a federation reflector; a client or a partner may be either.
 */
export function roleCompatible (expected: NeighborRole, announced: SpeakerRole): boolean {
  if (expected === 'reflector' || expected === 'peer') return announced === 'reflector'
  if (isInternalRole(expected)) return announced === 'peer'
  return true
}

/**
 * `localSite`: our own site. Two daemons of one org on one site id would each drop
 * the other's routes as their own (agp/route/site.ts): an internal session between
 * them is refused at OPEN, as BGP refuses a peer with its own identifier.
 */
export function checkPeerOpen (open: OpenFrame, expectedOrg: string, expectedRole: NeighborRole, localSite: string): OpenRejection | undefined {
  if (open.org !== expectedOrg) {
    return { code: NotificationCode.OpenMessageError, subcode: OpenSubcode.BadPeerOrg, text: `expected org ${expectedOrg}, got ${open.org}` }
  }
  if (isInternalRole(expectedRole) && open.site === localSite) {
    return { code: NotificationCode.OpenMessageError, subcode: OpenSubcode.BadPeerId, text: `another site of org ${open.org} announced our own site ${localSite}` }
  }
  if (!roleCompatible(expectedRole, open.role)) {
    return { code: NotificationCode.OpenMessageError, subcode: OpenSubcode.RoleMismatch, text: `neighbor configured as ${expectedRole} announced role ${open.role}` }
  }
  if (open.holdTimeS !== 0 && open.holdTimeS < MIN_HOLD_TIME_S) {
    return { code: NotificationCode.OpenMessageError, subcode: OpenSubcode.UnacceptableHoldTime, text: `hold time ${open.holdTimeS} s: must be 0 or >= ${MIN_HOLD_TIME_S}` }
  }
  return undefined
}

/** RFC 4271 §4.2: the smaller of the two; 0 on either side disables hold and keepalives. */
export function negotiateHoldMs (oursS: number, theirsS: number): number {
  return Math.min(oursS, theirsS) * 1000
}
