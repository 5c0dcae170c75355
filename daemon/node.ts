/**
 * atpd: one organization's daemon. Wires the pure Speaker to real I/O — identity,
 * level, libp2p and the AGP transport, the event loop and system clock, the
 * hash-chained audit log, the HTTP API, metrics and extensions (memory).
 *
 * js-libp2p component shape: `createAtpd(config, options)` builds nothing that does
 * I/O; `start()` builds each component (a `Startable` made from the components it uses
 * and its init options) and starts them in dependency order through one Lifecycle;
 * `stop()` stops them in reverse (NOTIFICATION cease to neighbors, flush level and the
 * audit log).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Clock, Random } from '../kernel/index.ts'
import { type AtpSpeaker, type LocalAgent, routeStateOf, type RouteState, type Speaker, type SpeakerCounters, type SpeakerSnapshot } from '../reflector/index.ts'
import type { PathCandidate } from '../agp/index.ts'
import { createApiServer, listenApi } from './api/server.ts'
import { auditRoutes } from './api/routes-audit.ts'
import { AuditTail } from './audit/audit-tail.ts'
import type { DaemonFacade } from './api/facade.ts'
import type { NeighborEntry, SiteConfig } from './config/schema.ts'
import { MAX_AGENTS } from './config/schema.ts'
import { changesNeighbors, planReload, type NeighborChanges, type ReloadPlan } from './config/reload-plan.ts'
import { staticAgents } from './config/schema-agent.ts'
import { toNeighborConfig, toSpeakerInit } from './config/speaker-init.ts'
import type { CongestionControl } from './congestion/congestion-control.ts'
import { openCongestion } from './congestion/open-congestion.ts'
import { createDaemonFacade } from './daemon-facade.ts'
import { BoundedDhtStore } from './discovery/bounded-dht-store.ts'
import { createDhtDiscovery } from './discovery/dht-discovery.ts'
import { federationKey } from './discovery/federation-key.ts'
import type { AtpdExtension, AtpdExtensionFactory } from './extension.ts'
import { createEd25519Signer, createEd25519Verifier, createNodeHasher } from './identity/keys.ts'
import { loadOrCreateIdentity, type NodeIdentity } from './identity/identity.ts'
import { createMetrics, type Metrics } from './metrics/metrics.ts'
import { AuditComponent, StoreComponent } from './node-components.ts'
import { createLibp2pNode } from './p2p/libp2p-node.ts'
import { systemClock } from './runtime/clock.ts'
import { FdWatch } from './runtime/fd-watch.ts'
import { Lifecycle } from './runtime/lifecycle.ts'
import { systemRandom } from './runtime/random.ts'
import { ReceivedRouteBytes } from './store/received-route-bytes.ts'
import { SnapshotWriter } from './store/snapshot-writer.ts'
import { defaultSpeakerFactory, type SpeakerFactory } from './speaker-factory.ts'
import { SpeakerRuntime } from './speaker-runtime.ts'
import { listenFailure, probeLibp2pListen } from './start-errors.ts'

export interface AtpdOptions {
  readonly logger: Logger
  readonly extensions?: readonly AtpdExtensionFactory[]
  /** The Speaker implementation (default: reflector/speaker.ts createSpeaker). */
  readonly createSpeaker?: SpeakerFactory
  readonly clock?: Clock
  readonly random?: Random
  /** Grace for NOTIFICATIONs and queued frames at stop. */
  readonly stopTimeoutMs?: number
  /** Open a damaged store anyway, keeping what can be read (atpd --repair). */
  readonly repair?: boolean
}

export interface Atpd {
  readonly config: SiteConfig
  /** Available after start(). */
  readonly peerId: string
  readonly libp2p: Libp2p
  readonly facade: DaemonFacade
  /** 'host:port' the API listens on (after start). */
  readonly apiAddress: string
  readonly isReady: boolean
  start (): Promise<void>
  stop (): Promise<void>
  /**
   * Applies a new config to the running daemon (SIGHUP): config agents, policy,
   * damping and neighbors live; every other changed key is returned in `needsRestart`
   * and logged, and keeps its running value.
   */
  reload (next: SiteConfig): Promise<ReloadPlan>
}

export function createAtpd (config: SiteConfig, options: AtpdOptions): Atpd {
  return new AtpdNode(config, options)
}

class AtpdNode implements Atpd {
  readonly config: SiteConfig
  private readonly options: AtpdOptions
  private readonly log: Logger
  private readonly clock: Clock
  private readonly random: Random
  private readonly life: Lifecycle
  private identity?: NodeIdentity
  private node?: Libp2p
  private runtime?: SpeakerRuntime
  private extensions: readonly AtpdExtension[] = []
  private dhtStore?: BoundedDhtStore
  private _facade?: DaemonFacade
  private _apiAddress = ''
  private ready = false
  private stopping?: Promise<void>
  /** The config as applied: `config` plus the live changes of every reload since start. */
  private applied: SiteConfig

  constructor (config: SiteConfig, options: AtpdOptions) {
    this.config = config
    this.applied = config
    this.options = options
    this.log = options.logger
    this.clock = options.clock ?? systemClock()
    this.random = options.random ?? systemRandom()
    this.life = new Lifecycle({ onStopError: (step, err) => { this.log.warn({ step, err: String(err) }, 'stop step failed') } })
  }

  get peerId (): string { return must(this.identity, 'identity').peerId }
  get libp2p (): Libp2p { return must(this.node, 'libp2p') }
  get facade (): DaemonFacade { return must(this._facade, 'facade') }
  get apiAddress (): string { return this._apiAddress }
  get isReady (): boolean { return this.ready }

  async start (): Promise<void> {
    const { config, log } = this
    try {
      await this.startComponents()
    } catch (err) {
      log.error({ err: String(err) }, 'start failed; closing what was opened')
      await this.shutdown().catch(() => {})
      throw err
    }
    this.ready = true
    log.info({ peerId: this.peerId, org: config.org, role: config.role, listen: this.libp2p.getMultiaddrs().map(String), api: this._apiAddress }, 'atpd started')
  }

  /**
   * Components start in the order added and stop in reverse (daemon/runtime/lifecycle.ts).
   * Storage first: the snapshot it holds builds the Speaker, and it closes last.
   */
  private async startComponents (): Promise<void> {
    const { config, log, life, clock } = this
    const identity = this.identity = await loadOrCreateIdentity(config.dataDir)
    const storage = life.add('store', new StoreComponent({ logger: log }, { dataDir: config.dataDir, repair: this.options.repair === true }))
    await life.start()
    const { store, loaded } = storage
    const signer = createEd25519Signer(identity.peerId, identity.privateKey)
    const verifier = createEd25519Verifier()
    const snapshot = withConfigAgents(loaded.snapshot, staticAgents(config.agents))
    const createSpeaker = this.options.createSpeaker ?? defaultSpeakerFactory
    const speaker = createSpeaker(toSpeakerInit(config), { signer, verifier, hasher: createNodeHasher(), random: this.random }, snapshot)
    const metrics = createSpeakerMetrics(speaker, clock)
    const auditTail = new AuditTail()
    const audit = life.add('audit', new AuditComponent({ store, signer, logger: log, tail: auditTail }, config))
    let congestion: CongestionControl | undefined
    life.add('budget spend', {
      start: async () => { congestion = await openCongestion({ config, store, clock, registry: metrics.registry, log: log.child({ component: 'congestion' }) }) },
      stop: async () => { await congestion?.stop() }
    })
    await life.start()
    if (congestion === undefined) throw new Error('atpd: congestion control did not open')

    const datastore = this.dhtStore = config.discovery !== undefined
      ? new BoundedDhtStore({ providerKeys: [await federationKey(config.discovery.federation)], providerPeers: [identity.peerId, ...config.neighbors.map((n) => n.peer)] })
      : undefined
    const kadRequestLimit = {
      onRefused: (peer: string, refused: number) => { if (isPowerOfTwo(refused)) log.warn({ peer, refused }, 'Kad-DHT requests over the per-peer rate refused') }
    }
    const node = this.node = await createLibp2pNode({
      privateKey: identity.privateKey, listen: config.listen, dht: config.discovery !== undefined, ...(datastore !== undefined ? { datastore } : {}), holdTimeS: config.holdTimeS, kadRequestLimit
    })
    const discovery = config.discovery !== undefined
      ? createDhtDiscovery({ libp2p: node, logger: log }, { federation: config.discovery.federation, bootstrap: config.discovery.bootstrap, announce: config.role === 'reflector' })
      : undefined
    // Received routes are persisted as the bytes they came as, not encoded again.
    const received = new ReceivedRouteBytes()
    const writer = new SnapshotWriter(store, {
      speaker,
      received,
      onError: (err) => { log.error({ err: String(err) }, 'persisting restart state failed') }
    })
    const runtime = this.runtime = new SpeakerRuntime({
      speaker, clock, libp2p: node, logger: log, metrics, audit: audit.log, onAnnounceBytes: received.note, ...(discovery !== undefined ? { discovery } : {})
    }, {
      neighbors: neighborAddrs(config.neighbors),
      stopTimeoutMs: this.options.stopTimeoutMs ?? 3000,
      markDirty: () => { writer.markDirty() }
    })
    const facade = this._facade = createDaemonFacade({ speaker, loop: runtime.loop, store, clock, metrics, congestion }, {
      org: config.org,
      peerId: identity.peerId,
      role: config.role,
      maxAgents: MAX_AGENTS,
      interests: config.interests,
      isReady: () => this.ready,
      onAgentChange: () => { writer.markDirty() },
      addressesOf: (peer) => node.getConnections(peerIdFromString(peer)).map((conn) => conn.remoteAddr.toString())
    })
    const extensions: AtpdExtension[] = []
    this.extensions = extensions
    for (const factory of this.options.extensions ?? []) {
      extensions.push(await factory({
        config, identity, libp2p: node, signer, verifier, clock, random: this.random, logger: log, metrics,
        sublevel: (name) => store.sublevel(name),
        repair: this.options.repair === true,
        speaker,
        facade,
        neighborPeerIds: config.neighbors.map((n) => n.peer),
        congestion
      }))
    }
    const api = await createApiServer({
      facade,
      logger: log.child({ component: 'api' }),
      token: config.api.token,
      metrics,
      plugins: [auditRoutes(auditTail), ...extensions.flatMap((e) => e.routes ?? [])]
    })

    life.add('snapshot flush', { start: () => { writer.prime(loaded.snapshot) }, stop: async () => { await writer.flush() } })
    life.add('libp2p', { start: async () => { await probeLibp2pListen(config.listen); await node.start() }, stop: async () => { await node.stop() } })
    life.add('speaker', runtime)
    if (discovery !== undefined) life.add('discovery', discovery)
    life.add('api', {
      start: () => {},
      afterStart: async () => {
        try {
          this._apiAddress = addressOf(await listenApi(api, config.api.listen))
        } catch (err) {
          throw listenFailure(err, 'api.listen', config.api.listen)
        }
      },
      stop: async () => { await api.close() }
    })
    life.add('fd watch', new FdWatch({ logger: log }))
    for (const ext of extensions) life.add(`extension ${ext.name}`, { start: async () => { await ext.start?.() }, stop: async () => { await ext.stop?.() } })
    await life.start()
  }

  async reload (next: SiteConfig): Promise<ReloadPlan> {
    const plan = planReload(this.applied, next)
    const facade = this.facade
    for (const agent of plan.upsertAgents) await facade.putAgent(agent)
    for (const id of plan.removeAgents) await facade.removeAgent(id)
    if (plan.reconfigure) await must(this.runtime, 'event loop').loop.submit({ type: 'reconfigure', policy: next.policy, damping: next.damping })
    const neighborsApplied = changesNeighbors(plan)
    if (neighborsApplied) await this.applyNeighbors(next, plan.neighbors)
    this.applied = { ...this.applied, agents: next.agents, policy: next.policy, damping: next.damping, ...(neighborsApplied ? { neighbors: next.neighbors } : {}) }
    this.log.info({
      agentsUpdated: plan.upsertAgents.map((a) => a.id),
      agentsRemoved: plan.removeAgents,
      policyOrDampingApplied: plan.reconfigure,
      neighborsAdded: plan.neighbors.added.map((n) => n.peer),
      neighborsRemoved: plan.neighbors.removed,
      neighborsChanged: plan.neighbors.changed.map((n) => n.peer),
      needsRestart: plan.needsRestart
    }, plan.needsRestart.length === 0
      ? 'config reloaded'
      : `config reloaded; changed keys that take effect only after a restart: ${plan.needsRestart.join(', ')}`)
    return plan
  }

  /**
   * The transport admits the new peers before the Speaker starts their sessions, and
   * forgets the removed ones only after the Speaker sent them its NOTIFICATION.
   */
  private async applyNeighbors (next: SiteConfig, changes: NeighborChanges): Promise<void> {
    const runtime = must(this.runtime, 'speaker runtime')
    await runtime.transport.admit(neighborAddrs([...changes.added, ...changes.changed]))
    await runtime.loop.submit({ type: 'neighbors', neighbors: next.neighbors.map(toNeighborConfig) })
    runtime.transport.forget(changes.removed)
    this.dhtStore?.setProviderPeers([this.peerId, ...next.neighbors.map((n) => n.peer)])
    for (const ext of this.extensions) await ext.neighborsChanged?.(next.neighbors)
  }

  async stop (): Promise<void> {
    this.stopping ??= this.shutdown()
    await this.stopping
  }

  private async shutdown (): Promise<void> {
    this.ready = false
    await this.life.stop()
    this.log.info('atpd stopped')
  }
}

/** Metrics whose gauges read the Speaker's sessions, routes and signature counters at each scrape. */
function createSpeakerMetrics (speaker: Speaker, clock: Clock): Metrics {
  const counters = countersOf(speaker)
  const paths = capabilityPathsOf(speaker)
  const metrics: Metrics = createMetrics({
    processMetrics: true,
    collect: () => {
      metrics.setSessionStates(speaker.peers().map((p) => p.state))
      metrics.setRouteStates(paths !== undefined ? statesOf(paths()) : speaker.routes(clock.nowMs()).map((r) => r.state))
      // Per route, not per signature: a batch's routes share one ed25519 check, and
      // each of them had its audit path checked against the verified root.
      if (counters !== undefined) {
        const c = counters()
        metrics.setRouteSignaturesVerified(c.signatureVerified - c.signatureInvalid)
        metrics.setBatchRefreshTotals({ originated: c.refreshesOriginated, received: c.refreshesIn, routesRestamped: c.routesRestamped })
      }
    }
  })
  return metrics
}

/** Config agents are applied at every start; they override stored agents with the same id. */
function withConfigAgents (snapshot: SpeakerSnapshot, agents: readonly (LocalAgent & { limits?: unknown })[]): SpeakerSnapshot {
  if (agents.length === 0) return snapshot
  const byId = new Map(snapshot.localAgents.map((a) => [a.id, a]))
  // Origin limits stay with the daemon (congestion control); the Speaker gets the agent.
  for (const { limits: _limits, ...a } of agents) byId.set(a.id, a)
  return { ...snapshot, localAgents: [...byId.values()] }
}

/**
 * The Loc-RIB copies of a Speaker that lists them without view objects (reflector/speaker.ts
 * does; test stand-ins may not): a scrape then allocates nothing per route. Counting
 * 200,000 routes' states took 7–15 ms from the copies against 23–37 ms through views.
 */
function capabilityPathsOf (speaker: Speaker): AtpSpeaker['capabilityPaths'] | undefined {
  const s = speaker as Partial<Pick<AtpSpeaker, 'capabilityPaths'>>
  return typeof s.capabilityPaths === 'function' ? () => (speaker as AtpSpeaker).capabilityPaths() : undefined
}

function * statesOf (paths: Iterable<readonly [string, readonly PathCandidate[]]>): Iterable<RouteState> {
  for (const [, ranked] of paths) for (const c of ranked) yield routeStateOf(c)
}

/** The counters of a Speaker that keeps them (reflector/speaker.ts does; test stand-ins may not). */
function countersOf (speaker: Speaker): (() => Readonly<SpeakerCounters>) | undefined {
  const s = speaker as Partial<Pick<AtpSpeaker, 'counters'>>
  return typeof s.counters === 'function' ? () => (speaker as AtpSpeaker).counters() : undefined
}

function neighborAddrs (neighbors: readonly NeighborEntry[]): Map<string, Multiaddr[]> {
  return new Map(neighbors.map((n) => [n.peer, n.addrs.map((a) => multiaddr(a))]))
}

function addressOf (url: string): string {
  try { return new URL(url).host } catch { return url }
}

function must<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`atpd: ${what} is not available before start()`)
  return value
}

/** Logs a repeated event at 1, 2, 4, 8, … occurrences: a flood costs a line per doubling. */
function isPowerOfTwo (n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0
}
