/**
 * RIB keys. A path id (origin org, agent id) is unique per capability; the same agent
 * may move to another capability (an upsert that changes it), and for a while both
 * may be in flight. Outbound state is keyed by (capability, path id) so such a move
 * is an ordinary withdraw of one key plus an announce of another.
 */
import type { PathKey } from '../route/route.ts'

export type RibKey = string

export function ribKey (capability: string, path: PathKey): RibKey {
  // A space appears neither in a capability nor in a path key.
  return `${capability} ${path}`
}

export function splitRibKey (key: RibKey): { capability: string, path: PathKey } {
  const i = key.indexOf(' ')
  return { capability: key.slice(0, i), path: key.slice(i + 1) }
}
