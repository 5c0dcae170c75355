/**
 * Extension point of atpd for components that live beside the routing engine (the
 * signed CRDT memory first): they get the node's libp2p, identity, store namespace,
 * clock and logger, may register libp2p protocols and API routes, and are started
 * after the core and stopped before it.
 *
 *   export const memoryExtension: AtpdExtensionFactory = async (ctx) => {
 *     await ctx.libp2p.handle('/atp/memory/1.0.0', …)
 *     return { name: 'memory', routes: [plugin], start, stop }
 *   }
 *
 * daemon/extensions.ts lists the factories the atpd binary loads.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { Clock, Random, Signer, Verifier } from '../kernel/index.ts'
import type { Speaker } from '../reflector/index.ts'
import type { DaemonFacade } from './api/facade.ts'
import type { CongestionControl } from './congestion/congestion-control.ts'
import type { NeighborEntry, SiteConfig } from './config/schema.ts'
import type { NodeIdentity } from './identity/identity.ts'
import type { Metrics } from './metrics/metrics.ts'
import type { BytesSublevel } from './store/node-store.ts'

export interface AtpdExtensionContext {
  readonly config: SiteConfig
  readonly identity: NodeIdentity
  readonly libp2p: Libp2p
  readonly signer: Signer
  readonly verifier: Verifier
  readonly clock: Clock
  readonly random: Random
  readonly logger: Logger
  readonly metrics: Metrics
  /** A level namespace of the extension's own (e.g. 'memory'); one per name. */
  sublevel (name: string): BytesSublevel
  /** atpd --repair: drop stored records that do not decode, and log what was dropped. */
  readonly repair: boolean
  /** Read-only views of the routing engine (peers, routes) — never call handle(). */
  readonly speaker: Pick<Speaker, 'peers' | 'routes' | 'localAgents' | 'forwardTarget'>
  /** The daemon's facade (resolve, outcomes, agent writes through the event loop). */
  readonly facade: DaemonFacade
  /** Configured neighbor peer ids at start (the allowlist); a reload calls neighborsChanged. */
  readonly neighborPeerIds: readonly string[]
  /** The daemon's congestion windows, budgets and origin limits (docs/congestion.md). */
  readonly congestion?: CongestionControl
}

export interface AtpdExtension {
  readonly name: string
  /** Fastify plugins registered on the API after the core routes. */
  readonly routes?: readonly FastifyPluginAsync[]
  /** Called once libp2p is started (protocol handlers may be registered here or in the factory). */
  start? (): Promise<void>
  /** Called before the core stops; flush and close what it owns. */
  stop? (): Promise<void>
  /**
   * A reload changed the neighbor list (the whole new list), after the routing engine
   * applied it: the extension follows it (new neighbors in, removed ones out).
   */
  neighborsChanged? (neighbors: readonly NeighborEntry[]): Promise<void> | void
}

export type AtpdExtensionFactory = (ctx: AtpdExtensionContext) => Promise<AtpdExtension>
