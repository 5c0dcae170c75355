/**
 * The route model. A route is one agent of one origin organization offering one
 * capability. Its key is the capability; its path id is (origin org, agent id),
 * ADD-PATH style: many paths per capability are normal.
 *
 * A route has two halves:
 * - `attrs`: what the origin measured and signed. Never changed after origination;
 *   `attrsBytes` is the exact byte string the origin signed, relayed verbatim so no
 *   node ever re-encodes (and so can never break) a signature.
 * - path attributes, changed hop by hop and not signed: org path, site path,
 *   originator id, cluster list (RFC 4456) and path tags (communities added by policy).
 */
export interface LatencyMs {
  readonly p50: number
  readonly p95: number
}

/** Win-rate evidence as the origin measured it: wins out of trials, at a time. */
export interface WinRateEvidence {
  readonly wins: number
  readonly trials: number
  readonly measuredAtMs: number
}

/** The origin-signed attributes. */
export interface RouteAttributes {
  readonly capability: string
  readonly originOrg: string
  /**
   * The origin daemon's site within its org; absent = the org's default site, whose id
   * is the org id (agp/route/site.ts originSiteOf). Never equal to originOrg when set:
   * the codec keeps one form, so a single-site origin signs the same bytes as before.
   */
  readonly originSite?: string
  readonly agentId: string
  /** The origin daemon's libp2p peer id (base58): the key that signs. */
  readonly originPeerId: string
  readonly endpoint: string
  readonly costUsd: number
  readonly latencyMs: LatencyMs
  readonly winRate: WinRateEvidence
  readonly region: string
  readonly tags: readonly string[]
  /** Increases with every advertisement of this path by its origin (never reused). */
  readonly originSeq: number
  /** When the origin produced this advertisement; freshness ages from here. */
  readonly originatedAtMs: number
}

/** A route's place in its origin's signed batch (kernel/merkle-tree.ts): RFC 6962's audit path. */
export interface BatchProof {
  readonly index: number
  /** Routes in the batch, 2…MAX_BATCH_SIZE. */
  readonly size: number
  /** Sibling hashes from the leaf up to the root, 32 bytes each, concatenated. */
  readonly path: Uint8Array
}

export interface Route {
  readonly attrs: RouteAttributes
  /** The canonical encoding of `attrs` that `signature` covers (directly, or as a leaf of `batch`). */
  readonly attrsBytes: Uint8Array
  /** The origin's ed25519 signature: over attrsBytes, or over the batch root when `batch` is set. */
  readonly signature: Uint8Array
  /** Where attrsBytes sit in the origin's signed batch; absent for a batch of one. Relayed unchanged. */
  readonly batch?: BatchProof
  /** Orgs the route crossed, nearest first, origin org last; an org counts once however many of its sites it crossed. */
  readonly orgPath: readonly string[]
  /**
   * Sites of orgPath[0]'s org the route crossed, nearest first (agp/route/site.ts): the
   * loop check inside an org. Empty while the route is still at its origin site.
   */
  readonly sitePath: readonly string[]
  /** RFC 4456 ORIGINATOR_ID: set once by the first reflector, never overwritten. '' = unset. */
  readonly originatorId: string
  /** RFC 4456 CLUSTER_LIST: each reflector prepends its cluster id. */
  readonly clusterList: readonly string[]
  /** Unsigned tags added on the way by policy (like BGP communities). */
  readonly pathTags: readonly string[]
  /**
   * Local to this node, never on the wire: the time of the latest verified batch
   * refresh that covered these signed bytes (agp/route/batch-refresh.ts). Freshness
   * ages from it when it is later than attrs.originatedAtMs.
   */
  readonly refreshedAtMs?: number
}

/** A withdrawn path: the key and the path id are enough. */
export interface WithdrawnPath {
  readonly capability: string
  readonly originOrg: string
  readonly agentId: string
}

/** Path id: one (origin org, agent id) pair, as a map key. */
export type PathKey = string

export function pathKey (originOrg: string, agentId: string): PathKey {
  // '/' cannot appear in an org or an agent id (both [a-z0-9-]), so the key is unambiguous.
  // join() builds one flat string: a concatenation would keep a rope object besides it
  // in every table the key is held in.
  return [originOrg, agentId].join('/')
}

/** The (origin org, agent id) of a key built by pathKey: split at its one '/'. */
export function splitPathKey (path: PathKey): { readonly org: string, readonly agent: string } {
  const slash = path.indexOf('/')
  return slash < 0 ? { org: path, agent: '' } : { org: path.slice(0, slash), agent: path.slice(slash + 1) }
}

export function routePathKey (route: Route): PathKey {
  return pathKey(route.attrs.originOrg, route.attrs.agentId)
}

/** The tags a route effectively carries: the origin's plus those added on the way. */
export function effectiveTags (route: Route): readonly string[] {
  if (route.pathTags.length === 0) return route.attrs.tags
  return [...new Set([...route.attrs.tags, ...route.pathTags])].sort()
}

/** Well-known tag: the route must not leave the first org it reaches (RFC 1997's NO_EXPORT idea). */
export const NO_EXPORT_TAG = 'no-export'

/** Well-known tag: members of the federation only — never sent to a partner, at any hop. */
export const FEDERATION_ONLY_TAG = 'federation-only'
