/**
 * The Speaker is the pure routing engine of one node (peer or reflector): sessions,
 * RIBs, decision, damping, freshness, policy and reflection, composed. Drivers feed
 * it inputs with the current time and execute the effects it returns:
 *
 *   speaker.handle(input, nowMs) → Effect[]
 *
 * daemon/ drives it over libp2p, level and the system clock; simulations/ over a
 * seeded in-process network and a virtual clock. Same code, same order of effects:
 * a seed replays exactly.
 */
import type {
  AdjRibInChanges, BadFrameError, BreakerState, DampingParams, Frame, FreshnessParams, LocalAgent, NeighborRole, OutcomeRecord, PolicyConfig, Route, SessionState,
  SpeakerRole
} from '../agp/index.ts'
import type { Hasher, Random, Signer, Verifier } from '../kernel/index.ts'

export type { LocalAgent, SessionState }
import type { ForwardQuery, NextHop } from '../agp/index.ts'

export interface NeighborConfig {
  readonly peerId: string
  readonly org: string
  /** What the neighbor is to us (see docs/configuration.md). */
  readonly role: NeighborRole
  /** Max routes accepted from this neighbor; past it: NOTIFICATION cease/1, close, back off. */
  readonly maxRoutes?: number
}

export interface SpeakerLimits {
  /** Default max routes per neighbor (overridden by NeighborConfig.maxRoutes). */
  readonly maxRoutesPerNeighbor: number
  /** Max paths kept per capability in the Loc-RIB (chosen by the global order). */
  readonly maxPathsPerCapability: number
  /** Max routes announced per UPDATE frame. */
  readonly maxRoutesPerUpdate: number
  /**
   * Least time between two ROUTE_REFRESH frames of one session that are served; those
   * in between are coalesced into one served at the end of the interval (default
   * DEFAULT_ROUTE_REFRESH_INTERVAL_MS). Each costs a walk of the whole Loc-RIB.
   */
  readonly routeRefreshIntervalMs?: number
  /**
   * Paced export: at most this many queued changes become UPDATEs per turn for one
   * neighbor; the rest wait for the driver's `transport-drained` (asked for with an
   * `await-drain` effect), so a full table is generated at the pace the connection
   * drains, never encoded whole up front. 0 = unpaced (everything at once).
   */
  readonly exportRoutesPerTurn: number
}

export const DEFAULT_ROUTE_REFRESH_INTERVAL_MS = 5_000

export const DEFAULT_LIMITS: SpeakerLimits = Object.freeze({
  maxRoutesPerNeighbor: 100_000,
  maxPathsPerCapability: 64,
  maxRoutesPerUpdate: 512,
  routeRefreshIntervalMs: DEFAULT_ROUTE_REFRESH_INTERVAL_MS,
  exportRoutesPerTurn: 0
})

export interface SpeakerInit {
  readonly org: string
  /**
   * This daemon's site in its org (agp/route/site.ts); absent = the org's default site,
   * the org id. Every daemon of one org needs its own site.
   */
  readonly site?: string
  /**
   * Nearest site first (resolve): cost of reaching each other site of our org, like an
   * IGP cost. Absent = the step is off (every candidate ties on it). See
   * agp/decision/site-preference.ts.
   */
  readonly sitePreference?: Readonly<Record<string, number>>
  readonly role: SpeakerRole
  /** Cluster id (reflectors only). */
  readonly cluster?: string
  readonly neighbors: readonly NeighborConfig[]
  /** Capability prefixes this node wants; empty = everything. */
  readonly interests: readonly string[]
  readonly damping: DampingParams
  readonly freshness: FreshnessParams
  readonly mraiMs: number
  readonly holdTimeS: number
  /** Graceful restart: how long a dropped peer's routes stay (marked stale). */
  readonly restartTimeS: number
  /** Reconnect backoff cap. */
  readonly maxBackoffMs: number
  readonly policy: PolicyConfig
  readonly limits: SpeakerLimits
}

/** Timer ids are strings a driver schedules opaquely and hands back in a 'timer' input. */
export type TimerId = string

export type SpeakerInput =
  /** Start: begin connecting to neighbors, originate local agents. */
  | { readonly type: 'start' }
  /** A transport to the neighbor is open (we dialed, or it dialed us and passed the allowlist). */
  | { readonly type: 'transport-up', readonly peer: string, readonly outbound: boolean }
  /** The transport to the neighbor closed or failed. */
  | { readonly type: 'transport-down', readonly peer: string, readonly reason: string }
  | { readonly type: 'frame', readonly peer: string, readonly frame: Frame }
  /**
   * Bytes from the neighbor that did not decode: the codec's FrameDecodeError (its
   * code/subcode become the NOTIFICATION, docs/protocol.md), or bare text (sent as 1/1).
   */
  | { readonly type: 'bad-frame', readonly peer: string, readonly error: BadFrameError }
  | { readonly type: 'timer', readonly id: TimerId }
  | { readonly type: 'agent-upsert', readonly agent: LocalAgent }
  | { readonly type: 'agent-remove', readonly id: string }
  /** Graceful stop: NOTIFICATION cease to every established neighbor. */
  | { readonly type: 'stop' }
  /** The neighbor's outbound queue drained after an `await-drain`: send the next turn. */
  | { readonly type: 'transport-drained', readonly peer: string }
  /**
   * New policy and damping parameters (a config reload). A policy change re-applies
   * import policy to every Adj-RIB-In and re-runs export to every established neighbor;
   * damping parameters apply from the next penalty on.
   */
  | { readonly type: 'reconfigure', readonly policy: PolicyConfig, readonly damping: DampingParams }
  /**
   * The whole neighbor list again (a config reload): neighbors not in it are shut down
   * (NOTIFICATION cease) and their routes withdrawn, new ones are started, one whose
   * org, role or max routes changed is reset; the others are left untouched. The
   * driver's transport must admit the new list's peers before this input and may drop
   * the removed ones after it (reflector/speaker-neighbors.ts).
   */
  | { readonly type: 'neighbors', readonly neighbors: readonly NeighborConfig[] }

export type Effect =
  | { readonly type: 'send', readonly peer: string, readonly frames: readonly Frame[] }
  /** Close the transport to the neighbor (any NOTIFICATION was sent just before). */
  | { readonly type: 'close', readonly peer: string }
  /** Open a transport to the neighbor (the driver answers with transport-up or transport-down). */
  | { readonly type: 'dial', readonly peer: string }
  /** More UPDATEs wait for this neighbor: answer with transport-drained once its outbound queue is low. */
  | { readonly type: 'await-drain', readonly peer: string }
  | { readonly type: 'set-timer', readonly id: TimerId, readonly atMs: number }
  | { readonly type: 'clear-timer', readonly id: TimerId }
  /** The Loc-RIB of this capability changed (best path or path set). */
  | { readonly type: 'loc-rib-changed', readonly capability: string }
  /** A route or policy event for the audit log. */
  | { readonly type: 'audit', readonly event: AuditEvent }

export interface AuditEvent {
  readonly kind: 'route-accepted' | 'route-withdrawn' | 'route-rejected' | 'route-suppressed' | 'route-reused'
    | 'route-expired' | 'signature-invalid' | 'session-up' | 'session-down' | 'max-routes' | 'policy-rejected'
    | 'agent-originated' | 'agent-removed' | 'agent-refused'
  readonly peer?: string
  readonly capability?: string
  readonly org?: string
  readonly agent?: string
  readonly detail?: string
  /** A summary of rejections aggregated by the audit log: how many more there were. */
  readonly repeated?: number
}

export interface PeerView {
  readonly peerId: string
  readonly org: string
  /** The neighbor's site, as its OPEN named it; undefined before the first OPEN. */
  readonly site?: string
  readonly role: NeighborRole
  readonly state: SessionState
  readonly routesReceived: number
  readonly routesSent: number
  readonly interests: readonly string[]
  readonly lastError?: string
  /** When the current session reached Established (Speaker clock, epoch ms); absent while it is down. */
  readonly establishedAtMs?: number
}

export type RouteState = 'active' | 'suppressed' | 'stale'

/** One path in the Loc-RIB, as GET /v1/routes shows it. */
export interface RouteView {
  readonly route: Route
  /** Neighbor it was learned from; '' for a local agent. */
  readonly fromPeer: string
  readonly state: RouteState
  readonly penalty: number
  /** Usable: not suppressed, not expired, valid signature, accepted by policy. */
  readonly usable: boolean
  readonly best: boolean
  readonly localPref: number
}

export interface ResolveQuery {
  readonly capability: string
  readonly maxCostUsd?: number
  readonly maxLatencyMs?: number
  readonly region?: string
  readonly limit?: number
  /** Path keys (`org/agent`) whose congestion window this node cut: they rank below the others. */
  readonly congestedPaths?: ReadonlySet<string>
}

export interface Candidate {
  readonly view: RouteView
  /** Local score: utility of the decayed advertised evidence plus local outcomes. */
  readonly score: number
  /** The decision step that placed it where it is (e.g. 'fresh-before-stale'). */
  readonly reason: string
}

export interface ResolveResult {
  /** The longest advertised capability that matched the query. */
  readonly capability: string
  readonly candidates: readonly Candidate[]
}

/** GET /v1/outcomes: what this node's consumers reported about one path. */
export interface OutcomeView {
  readonly org: string
  readonly agent: string
  /** Decayed evidence as of now. */
  readonly wins: number
  readonly trials: number
  readonly consecutiveFailures: number
  readonly breaker: BreakerState
  /** Moving averages of the reported latency and cost (used by resolve in place of the advertised ones). */
  readonly latencyMs?: number
  readonly costUsd?: number
}

/** A consumer's own outcome for a path (POST /v1/outcomes). */
export interface Outcome {
  readonly org: string
  readonly agent: string
  readonly capability: string
  readonly success: boolean
  readonly latencyMs?: number
  readonly costUsd?: number
}

/** Ports the Speaker needs (js-libp2p style: components vs init options). */
export interface SpeakerComponents {
  readonly signer: Signer
  readonly verifier: Verifier
  readonly random: Random
  /** SHA-256 for batch signatures' Merkle trees; absent = a pure-JS one (same results, slower). */
  readonly hasher?: Hasher
}

/**
 * What a restarted node brings back from its store (daemon: level; simulator: memory).
 * Routes in `adjRibIn` come back marked stale until the neighbor's END_OF_RIB or the
 * restart timer (graceful restart).
 */
export interface SpeakerSnapshot {
  readonly localAgents: readonly LocalAgent[]
  readonly adjRibIn: readonly { readonly peer: string, readonly routes: readonly Route[] }[]
  readonly damping: readonly { readonly peer: string, readonly pathKey: string, readonly capability: string, readonly state: unknown }[]
  /** Highest origin sequence number used, so a restart never reuses one. */
  readonly originSeq: number
  /** The consumers' outcomes per path (absent in snapshots written before they were kept). */
  readonly outcomes?: readonly OutcomeRecord[]
}

/** Adj-RIB-In changes since the previous take, per neighbor (AtpSpeaker.takeAdjRibInChanges). */
export interface AdjRibInDelta {
  readonly neighbors: readonly string[]
  readonly changes: readonly { readonly peer: string, readonly full: boolean, readonly upserts: readonly Route[], readonly deletes: AdjRibInChanges['deletes'] }[]
}

export type RestartState = Pick<SpeakerSnapshot, 'damping' | 'originSeq' | 'outcomes'>

export interface Speaker {
  readonly org: string
  readonly peerId: string
  handle (input: SpeakerInput, nowMs: number): Effect[]
  peers (): PeerView[]
  /** Loc-RIB paths (all, or the subtree under `capability`), in local rank order per capability. */
  routes (nowMs: number, capability?: string): RouteView[]
  /** Longest-match resolve under constraints; undefined when no capability matches. */
  resolve (query: ResolveQuery, nowMs: number): ResolveResult | undefined
  /** Where a task for one path goes next (agp/task/forwarding.ts). */
  forwardTarget (query: ForwardQuery): NextHop
  /** False (nothing recorded) when no known path matches the outcome's org, agent and capability. */
  recordOutcome (outcome: Outcome, nowMs: number): boolean
  outcomes (nowMs: number): OutcomeView[]
  localAgents (): LocalAgent[]
  snapshot (): SpeakerSnapshot
  /**
   * Adj-RIB-In changes of every neighbor since the previous call, for a driver that keeps
   * a copy (the daemon's store): a write-behind without rescanning the whole table. A
   * neighbor's first call gives its whole table (`full`); `neighbors` lists every neighbor,
   * so a copy can drop the tables of neighbors that are gone.
   */
  takeAdjRibInChanges (): AdjRibInDelta
  /** The snapshot's parts other than the tables (damping, origin seq, outcomes): small, read whole. */
  restartState (): RestartState
}
