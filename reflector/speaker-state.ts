/**
 * The Speaker's mutable state and the small helpers every speaker-*.ts file shares.
 * Internal: the public surface is reflector/types.ts and createSpeaker().
 *
 * Determinism: every Map and Set here is iterated in insertion order, and insertions
 * follow the order of inputs (neighbors: config order, a reload's additions after), so
 * the same inputs give the same effects, byte for byte.
 */
import type { BatchRefresh, DampingState, PathKey, RibPath, Route, Session, SiteRanking } from '../agp/index.ts'
import type { FifoMap } from '../kernel/index.ts'
import {
  AdjRibIn, type AdjRibOut, AdjRibOutTable, defaultHasher, evidenceHalfLifeMs, LocalOutcomes, LocRib, type OriginCheck, type PathCandidate, VerifiedNodeCache, VerifiedRootCache
} from '../agp/index.ts'
import type { ExportSource } from './export.ts'
import { InterestIndex } from './interests.ts'
import type { RouteSource } from './reflection.ts'
import type { AuditEvent, Effect, LocalAgent, NeighborConfig, SpeakerComponents, SpeakerInit, SpeakerSnapshot, TimerId } from './types.ts'
import { FreshnessQueue } from './speaker-freshness-queue.ts'
import { ResolveRanking, type ResolveRankingCounters } from './resolve-ranking.ts'
import { newRefreshTable, type PendingRefresh } from './kept-refreshes.ts'

export interface NeighborState {
  readonly config: NeighborConfig
  session: Session
  readonly adjIn: AdjRibIn
  readonly adjOut: AdjRibOut
  /** The neighbor's interests (its OPEN, replaced by ROUTE_REFRESH); empty = all. */
  interests: readonly string[]
  /**
   * Outbound changes waiting for the MRAI, in the order queued; one shared RibPath
   * object per change for every neighbor it is queued for. A key may appear more than
   * once: the flush runs the export decision on the current Loc-RIB and diffs against
   * the Adj-RIB-Out, so only a key's first occurrence can send anything (the latest
   * state wins, at the position first queued) and a repeat is a no-op. An array push
   * instead of a keyed Map per (neighbor, change): a reflector queues millions.
   * Bounded: compacted (repeats dropped) when it outgrows the Loc-RIB (compactPending).
   */
  readonly pending: RibPath[]
  /**
   * Set instead of queueing a key that can never be sent to this neighbor (a learned
   * path at a non-reflector, towards a non-partner: see settle()). The flush then
   * happens exactly as if the key were pending (MRAI, lastFlushMs) and sends the same.
   */
  pendingNoop: boolean
  /** pending.length past which it is compacted (speaker-export.ts compactPending). */
  pendingCap: number
  /**
   * Batch refreshes due to this neighbor, by (origin, batch signature), each naming the
   * routes it refreshes there (speaker-batch-refresh.ts); sent after the flush's
   * announces. Bounded by what the Adj-RIB-Out holds: one id per route sent.
   */
  readonly pendingRefreshes: Map<string, PendingRefresh>
  /** Where routes from this neighbor came from, for export (Loc-RIB copies export considers are usable). */
  readonly source: ExportSource
  lastFlushMs: number
  mraiArmed: boolean
  /** Paced export: a turn was sent and the rest waits for transport-drained. */
  awaitingDrain: boolean
  /** The full table's END_OF_RIB goes out once the pending queue is empty (paced export). */
  endOfRibOwed: boolean
  /** Set when we kill the session ourselves (max routes): its routes go at once, no graceful restart. */
  dropOnDown: boolean
  /** When this session's last ROUTE_REFRESH was served (pacing, speaker-refresh.ts). */
  lastRefreshServedMs: number
  /** ROUTE_REFRESH frames that arrived too soon, coalesced; served when the pacing timer fires. */
  deferredRefresh: DeferredRefresh | undefined
  lastError: string | undefined
  /** The neighbor's site from its last OPEN; undefined before one arrived. */
  site: string | undefined
  /** When the current session reached Established (the Speaker's clock); undefined while it is down. */
  establishedAtMs: number | undefined
}

export interface DeferredRefresh {
  /** The interests of the latest deferred frame that carried any. */
  interests: readonly string[] | undefined
  /** A deferred frame asked for the table again without changing interests. */
  full: boolean
}

export interface DampingEntry {
  readonly capability: string
  state: DampingState
}

export interface LocalRoute {
  agent: LocalAgent
  route: Route
}

export interface SpeakerCounters extends ResolveRankingCounters {
  signatureInvalid: number
  /** Received routes whose origin signature (or batch root and audit path) was checked here. */
  signatureVerified: number
  /** Received routes known good without a check: the same signed bytes as a copy held. */
  signatureCacheHits: number
  /** ed25519 checks of batch roots: at most one per batch while its root stays cached. */
  batchRootsVerified: number
  loopsDropped: number
  staleSeqIgnored: number
  policyRejected: number
  maxRoutesExceeded: number
  updatesIn: number
  updatesOut: number
  routesExpired: number
  routeRefreshCoalesced: number
  /** Batch refreshes signed here (speaker-batch-refresh.ts). */
  refreshesOriginated: number
  /** Batch refreshes received. */
  refreshesIn: number
  /** Received batch refreshes that moved nothing (own, too far ahead, nothing held under them). */
  refreshesIgnored: number
  /** Signature checks of received batch refreshes. */
  refreshSignaturesVerified: number
  /** Received batch refreshes whose signature did not verify (ignored; the session stays up). */
  refreshSignatureInvalid: number
  /** Received routes whose freshness stamp a batch refresh moved. */
  routesRestamped: number
}

export interface SpeakerState {
  /** Replaced by a 'reconfigure' input (policy, damping) or a 'neighbors' input (the neighbor list); the rest never changes. */
  init: SpeakerInit
  readonly components: SpeakerComponents
  /** Checks received routes' origin signatures; its cache holds the batch roots verified. */
  readonly originCheck: OriginCheck
  readonly peerId: string
  /** Our site in our org (the org id unless configured). */
  readonly site: string
  /** Who we are for nearest-site-first (resolve). */
  readonly siteRanking: SiteRanking
  /** Who we are for the RFC 4456 §8 loop checks on import. */
  readonly loopSelf: { readonly peerId: string, readonly cluster?: string }
  /** Where our own agents' routes come from, for export. */
  readonly localSource: ExportSource
  /** `${org}/`: the path keys of our org's agents (at any of its sites) start with it. */
  readonly ownPathPrefix: string
  readonly neighbors: Map<string, NeighborState>
  /** The neighbors' Adj-RIB-Outs, stored together (a neighbor's is NeighborState.adjOut). */
  readonly adjRibOuts: AdjRibOutTable
  readonly locRib: LocRib
  /** Established neighbors by interest: who wants capability c. */
  readonly interestIndex: InterestIndex
  /** `${peer}|${pathKey}` → damping history, only where routes enter from their origin. */
  readonly damping: Map<string, DampingEntry>
  readonly agents: Map<string, LocalRoute>
  readonly outcomes: LocalOutcomes
  /** The resolve ranking kept per capability (GET /v1/resolve). */
  readonly resolveRanking: ResolveRanking
  /**
   * settle() reads every changed capability's resolve ranking in (ResolveRanking.prepare)
   * rather than only those a resolve asked for (update): set per input by handle(), see there.
   */
  prepareRankings: boolean
  readonly freshness: FreshnessQueue
  /** The latest verified batch refresh per (origin, batch signature), to go with routes announced later. */
  readonly refreshes: FifoMap<string, BatchRefresh>
  /** Armed timers of the speaker itself (not sessions'): id → deadline. */
  readonly timers: Map<TimerId, number>
  readonly counters: SpeakerCounters
  /** Neighbors with pending outbound changes, flushed (or MRAI-armed) at the end of handle(). */
  readonly toFlush: Set<string>
  /** The refresh under way, slice by slice (speaker-origination.ts); undefined between refreshes. */
  refreshRound: RefreshRound | undefined
  originSeq: number
  started: boolean
  restore: SpeakerSnapshot | undefined
  nowMs: number
  effects: Effect[]
}

/** A refresh of every local agent, taken REFRESH_SLICE_ROUTES agents per timer fire. */
export interface RefreshRound {
  /** The agents present when the refresh began, in insertion order. */
  readonly ids: readonly string[]
  /** Index of the next agent to refresh. */
  next: number
  /** When the refresh began: the next one is due refreshS after it, however long this one took. */
  readonly startedAtMs: number
}

function restoredOutcomes (init: SpeakerInit, snapshot: SpeakerSnapshot | undefined): LocalOutcomes {
  const outcomes = new LocalOutcomes({ halfLifeMs: evidenceHalfLifeMs(init.freshness) })
  if (snapshot?.outcomes !== undefined) outcomes.restore(snapshot.outcomes)
  return outcomes
}

/** Pending length at which a neighbor's queue is first compacted (speaker-export.ts compactPending). */
export const MIN_PENDING_CAP = 4096

/** Bound of the damping map; forgettable entries are swept first (RFC 2439 §4.8.4's idea). */
export const MAX_DAMPING_ENTRIES = 200_000

export function createState (init: SpeakerInit, components: SpeakerComponents, snapshot: SpeakerSnapshot | undefined,
  makeSession: (n: NeighborConfig) => Session): SpeakerState {
  const neighbors = new Map<string, NeighborState>()
  const adjRibOuts = new AdjRibOutTable()
  const counters: SpeakerCounters = {
    signatureInvalid: 0, signatureVerified: 0, signatureCacheHits: 0, batchRootsVerified: 0, loopsDropped: 0, staleSeqIgnored: 0,
    policyRejected: 0, maxRoutesExceeded: 0, updatesIn: 0, updatesOut: 0, routesExpired: 0, routeRefreshCoalesced: 0,
    refreshesOriginated: 0, refreshesIn: 0, refreshesIgnored: 0, refreshSignaturesVerified: 0, refreshSignatureInvalid: 0, routesRestamped: 0,
    resolveRankingReads: 0, resolveRankingPathsRead: 0
  }
  for (const config of init.neighbors) neighbors.set(config.peerId, newNeighborState(init, adjRibOuts, config, makeSession(config)))
  const siteRanking: SiteRanking = {
    org: init.org,
    site: init.site ?? init.org,
    ...(init.sitePreference === undefined ? {} : { sitePreference: init.sitePreference })
  }
  return {
    init,
    components,
    originCheck: {
      verifier: components.verifier, hasher: components.hasher ?? defaultHasher, roots: new VerifiedRootCache(), nodes: new VerifiedNodeCache()
    },
    peerId: components.signer.peerId,
    site: init.site ?? init.org,
    siteRanking,
    loopSelf: { peerId: components.signer.peerId, ...(init.cluster === undefined ? {} : { cluster: init.cluster }) },
    localSource: { fromPeer: '', fromRole: 'local', fromOrg: init.org, usable: true },
    ownPathPrefix: `${init.org}/`,
    neighbors,
    adjRibOuts,
    locRib: new LocRib({ maxPathsPerCapability: init.limits.maxPathsPerCapability }),
    interestIndex: new InterestIndex(),
    damping: new Map(),
    agents: new Map(),
    outcomes: restoredOutcomes(init, snapshot),
    resolveRanking: new ResolveRanking(siteRanking, counters),
    prepareRankings: false,
    freshness: new FreshnessQueue(),
    refreshes: newRefreshTable(),
    timers: new Map(),
    counters,
    toFlush: new Set(),
    refreshRound: undefined,
    originSeq: snapshot?.originSeq ?? 0,
    started: false,
    restore: snapshot,
    nowMs: 0,
    effects: []
  }
}

/** A configured neighbor's state before its first session: nothing received, nothing sent. */
export function newNeighborState (init: SpeakerInit, adjRibOuts: AdjRibOutTable, config: NeighborConfig, session: Session): NeighborState {
  return {
    config,
    session,
    adjIn: new AdjRibIn(config.peerId, config.maxRoutes ?? init.limits.maxRoutesPerNeighbor),
    adjOut: adjRibOuts.member(config.peerId),
    interests: [],
    pending: [],
    pendingNoop: false,
    pendingCap: MIN_PENDING_CAP,
    pendingRefreshes: new Map(),
    source: { fromPeer: config.peerId, fromRole: config.role, fromOrg: config.org, usable: true },
    lastFlushMs: -Infinity,
    mraiArmed: false,
    awaitingDrain: false,
    endOfRibOwed: false,
    dropOnDown: false,
    lastRefreshServedMs: -Infinity,
    deferredRefresh: undefined,
    lastError: undefined,
    site: undefined,
    establishedAtMs: undefined
  }
}

export function audit (st: SpeakerState, event: AuditEvent): void {
  st.effects.push({ type: 'audit', event })
}

/** Arms (or moves) one of the speaker's own timers; no effect when already armed at that time. */
export function setTimer (st: SpeakerState, id: TimerId, atMs: number): void {
  if (st.timers.get(id) === atMs) return
  st.timers.set(id, atMs)
  st.effects.push({ type: 'set-timer', id, atMs })
}

export function clearTimer (st: SpeakerState, id: TimerId): void {
  if (!st.timers.has(id)) return
  st.timers.delete(id)
  st.effects.push({ type: 'clear-timer', id })
}

export function dampingKey (peer: string, path: PathKey): string {
  return `${peer}|${path}`
}

/** Timer ids: `<kind>:<peer>` and `reuse:<peer>:<pathKey>` (path keys hold no ':'). */
export const timerIds = {
  session: (timer: string, peer: string): TimerId => `${timer}:${peer}`,
  mrai: (peer: string): TimerId => `mrai:${peer}`,
  routeRefresh: (peer: string): TimerId => `route-refresh:${peer}`,
  gr: (peer: string): TimerId => `gr:${peer}`,
  reuse: (peer: string, path: PathKey): TimerId => `reuse:${peer}:${path}`,
  refresh: 'refresh',
  freshness: 'freshness'
} as const

/** A timer id split into its kind (`hold`, `keepalive`, `mrai`, …) and the rest (a peer, or `<peer>:<pathKey>`). */
export function parseTimerId (id: TimerId): { readonly kind: string, readonly rest: string } {
  const colon = id.indexOf(':')
  return colon < 0 ? { kind: id, rest: '' } : { kind: id.slice(0, colon), rest: id.slice(colon + 1) }
}

/** Where a Loc-RIB copy came from, for the reflection rules and export policy. */
export function sourceOf (st: SpeakerState, c: PathCandidate): { fromPeer: string, fromRole: RouteSource, fromOrg: string, usable: boolean } {
  if (c.fromPeer === '') return { fromPeer: '', fromRole: 'local', fromOrg: st.init.org, usable: c.usable }
  const n = st.neighbors.get(c.fromPeer)
  return { fromPeer: c.fromPeer, fromRole: n?.config.role ?? 'peer', fromOrg: n?.config.org ?? '', usable: c.usable }
}
