/**
 * What the HTTP API needs from a running daemon. daemon/ implements it over its event
 * loop and store; API tests implement it with a fake. Views are the Speaker's own
 * types (reflector/types.ts); the API turns them into the public JSON (views.ts).
 *
 * Times in views (RouteAttributes.originatedAtMs, winRate.measuredAtMs) are Unix epoch
 * milliseconds: the API shows them as ISO-8601 strings.
 */
import type { BudgetView, PathWindowView, SpeakerRole } from '../../agp/index.ts'
import type { LocalAgent, Outcome, OutcomeView, PeerView, ResolveQuery, ResolveResult, RouteView } from '../../reflector/index.ts'

export interface HealthView {
  /** false while starting or shutting down: GET /v1/health answers 503. */
  readonly ok: boolean
  readonly org: string
  readonly peerId: string
  readonly role: SpeakerRole
  /** Capability prefixes this daemon asks its neighbors for ([] = everything). */
  readonly interests: readonly string[]
}

export type PutAgentResult = 'created' | 'updated'

/** A session as the daemon sees it: the Speaker's view plus what only the transport knows. */
export interface DaemonPeerView extends PeerView {
  /** Remote multiaddrs of the open libp2p connections to this peer. */
  readonly addresses?: readonly string[]
}

export interface RecordOutcomeOptions {
  /** Another site of our org measured it (outcome sharing): not shared again from here. */
  readonly shared?: boolean
}

export interface DaemonFacade {
  health (): HealthView
  peers (): readonly DaemonPeerView[]
  /** Loc-RIB paths, all or the subtree under `capability`, in local rank order. */
  routes (capability?: string): readonly RouteView[]
  /** Longest-match resolve; undefined when no advertised capability matches. */
  resolve (query: ResolveQuery): ResolveResult | undefined
  agents (): readonly LocalAgent[]
  /**
   * Registers or replaces a local agent; resolves once it is durably stored (the API
   * answers only then). Throws an AtpError (e.g. LimitExceededError) to refuse.
   */
  putAgent (agent: LocalAgent): Promise<PutAgentResult>
  /** false when no local agent has this id. Resolves once the removal is stored. */
  removeAgent (id: string): Promise<boolean>
  /**
   * A consumer's outcome: local win-rate evidence, breaker and measured latency/cost
   * for resolve. false (nothing recorded) when no known path matches it.
   */
  recordOutcome (outcome: Outcome, options?: RecordOutcomeOptions): boolean | Promise<boolean>
  /**
   * Calls `listener` after each outcome this site recorded itself (not one another site
   * shared): what outcome sharing sends to the org's other sites. Returns the unsubscribe.
   */
  onOwnOutcome? (listener: (outcome: Outcome) => void): () => void
  /** What the consumers reported, per path (GET /v1/outcomes). */
  outcomes (): readonly OutcomeView[]
  /** This org's congestion window on a path, where it has forwarded tasks (docs/congestion.md). */
  window? (org: string, agent: string): PathWindowView | undefined
  /** Every window of this org, for the looking glass. */
  windows? (): readonly { capability: string, org: string, agent: string, window: PathWindowView }[]
  /** Budgets with their spend. */
  budgets? (): readonly BudgetView[]
}
