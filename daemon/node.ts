/**
 * atpd: one organization's daemon. Wires the pure Speaker to real I/O — identity,
 * level, libp2p and the AGP transport, the event loop and system clock, the
 * hash-chained audit log, the HTTP API, metrics and extensions (memory).
 *
 * js-libp2p component shape: `createAtpd(config, options)` builds nothing that does
 * I/O; `start()` opens everything in dependency order, `stop()` closes it in reverse
 * (NOTIFICATION cease to neighbors, flush level and the audit log).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Clock, Random, Signer } from '../kernel/index.ts'
import type { AtpSpeaker, LocalAgent, Speaker, SpeakerCounters, SpeakerSnapshot } from '../reflector/index.ts'
import { createApiServer, listenApi } from './api/server.ts'
import { auditRoutes } from './api/routes-audit.ts'
import { AuditTail } from './audit/audit-tail.ts'
import type { DaemonFacade } from './api/facade.ts'
import { AuditLog } from './audit/audit-log.ts'
import { parseCheckpoint } from './audit/checkpoint.ts'
import type { SiteConfig } from './config/schema.ts'
import { MAX_AGENTS } from './config/schema.ts'
import { planReload, type ReloadPlan } from './config/reload-plan.ts'
import { staticAgents } from './config/schema-agent.ts'
import { toSpeakerInit } from './config/speaker-init.ts'
import type { CongestionControl } from './congestion/congestion-control.ts'
import { openCongestion } from './congestion/open-congestion.ts'
import { createDaemonFacade } from './daemon-facade.ts'
import { BoundedDhtStore } from './discovery/bounded-dht-store.ts'
import { createDhtDiscovery, type DhtDiscovery } from './discovery/dht-discovery.ts'
import { federationKey } from './discovery/federation-key.ts'
import { createEffectExecutor } from './effects.ts'
import type { AtpdExtension, AtpdExtensionFactory } from './extension.ts'
import { createEd25519Signer, createEd25519Verifier, createNodeHasher } from './identity/keys.ts'
import { loadOrCreateIdentity, type NodeIdentity } from './identity/identity.ts'
import { createMetrics, type Metrics } from './metrics/metrics.ts'
import { AgpTransport } from './p2p/agp-transport.ts'
import { createLibp2pNode } from './p2p/libp2p-node.ts'
import { systemClock } from './runtime/clock.ts'
import { EventLoop } from './runtime/event-loop.ts'
import { FdWatch } from './runtime/fd-watch.ts'
import { systemRandom } from './runtime/random.ts'
import { NodeStore } from './store/node-store.ts'
import { SnapshotWriter } from './store/snapshot-writer.ts'
import { defaultSpeakerFactory, type SpeakerFactory } from './speaker-factory.ts'
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
   * Applies a new config to the running daemon (SIGHUP): config agents, policy and
   * damping live; every other changed key is returned in `needsRestart` and logged,
   * and keeps its running value.
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
  private identity?: NodeIdentity
  private store?: NodeStore
  private audit?: AuditLog
  private readonly auditTail = new AuditTail()
  private speaker?: Speaker
  private loop?: EventLoop
  private transport?: AgpTransport
  private node?: Libp2p
  private discovery?: DhtDiscovery
  private writer?: SnapshotWriter
  private congestion?: CongestionControl
  private metrics?: Metrics
  private api?: FastifyInstance
  private fdWatch?: FdWatch
  private extensions: AtpdExtension[] = []
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
  }

  get peerId (): string { return must(this.identity, 'identity').peerId }
  get libp2p (): Libp2p { return must(this.node, 'libp2p') }
  get facade (): DaemonFacade { return must(this._facade, 'facade') }
  get apiAddress (): string { return this._apiAddress }
  get isReady (): boolean { return this.ready }

  async start (): Promise<void> {
    const { config, log } = this
    try {
      await this.startCore()
    } catch (err) {
      log.error({ err: String(err) }, 'start failed; closing what was opened')
      await this.shutdown().catch(() => {})
      throw err
    }
    this.ready = true
    log.info({ peerId: this.peerId, org: config.org, role: config.role, listen: this.libp2p.getMultiaddrs().map(String), api: this._apiAddress }, 'atpd started')
  }

  private async startCore (): Promise<void> {
    const { config, log } = this
    const identity = this.identity = await loadOrCreateIdentity(config.dataDir)
    const store = this.store = await NodeStore.open(config.dataDir, { repair: this.options.repair === true })
    const loaded = await store.load()
    const report = store.report
    if (report !== undefined) {
      const damaged = report.wal.length > 0 || report.levelLog.length > 0 || report.dropped.length > 0 || report.tablesRebuilt
      log.warn({ store: store.location, wal: report.wal, levelLog: report.levelLog, dropped: report.dropped, tablesRebuilt: report.tablesRebuilt }, damaged ? 'store repaired: what could not be read was dropped (listed here)' : 'store checked for --repair: nothing was damaged')
    }
    // After a repair the clean-shutdown flag may itself have been lost: say so rather
    // than blame the previous stop.
    if (!loaded.cleanShutdown) log.warn({ originSeq: loaded.snapshot.originSeq }, report !== undefined ? 'clean-shutdown flag not trusted after a repair; origin seq advanced' : 'previous run did not stop cleanly; origin seq advanced')
    if (loaded.skipped > 0) log.warn({ skipped: loaded.skipped }, 'undecodable records in the store were skipped')
    for (const a of loaded.skippedAgents) log.warn({ store: store.location, record: a.key, reason: a.reason }, 'stored agent no longer validates: skipped (DELETE /v1/agents/:id removes it)')
    await store.setCleanShutdown(false)
    const signer = createEd25519Signer(identity.peerId, identity.privateKey)
    const verifier = createEd25519Verifier()
    this.audit = await openAudit(config, store, signer, log, this.auditTail)
    const snapshot = withConfigAgents(loaded.snapshot, staticAgents(config.agents))
    const createSpeaker = this.options.createSpeaker ?? defaultSpeakerFactory
    const speaker = this.speaker = createSpeaker(toSpeakerInit(config), { signer, verifier, hasher: createNodeHasher(), random: this.random }, snapshot)
    const counters = countersOf(speaker)

    const metrics = this.metrics = createMetrics({
      processMetrics: true,
      collect: () => {
        metrics.setSessionStates(speaker.peers().map((p) => p.state))
        metrics.setRouteStates(speaker.routes(this.clock.nowMs()).map((r) => r.state))
        // Per route, not per signature: a batch's routes share one ed25519 check, and
        // each of them had its audit path checked against the verified root.
        if (counters !== undefined) {
          const c = counters()
          metrics.setRouteSignaturesVerified(c.signatureVerified - c.signatureInvalid)
        }
      }
    })
    const congestion = this.congestion = await openCongestion({ config, store, clock: this.clock, registry: metrics.registry, log: log.child({ component: 'congestion' }) })
    const datastore = config.discovery !== undefined
      ? new BoundedDhtStore({ providerKeys: [await federationKey(config.discovery.federation)], providerPeers: [identity.peerId, ...config.neighbors.map((n) => n.peer)] })
      : undefined
    const kadRequestLimit = {
      onRefused: (peer: string, refused: number) => { if (isPowerOfTwo(refused)) log.warn({ peer, refused }, 'Kad-DHT requests over the per-peer rate refused') }
    }
    const node = this.node = await createLibp2pNode({
      privateKey: identity.privateKey, listen: config.listen, dht: config.discovery !== undefined, ...(datastore !== undefined ? { datastore } : {}), holdTimeS: config.holdTimeS, kadRequestLimit
    })
    if (config.discovery !== undefined) {
      this.discovery = createDhtDiscovery({ libp2p: node, logger: log }, {
        federation: config.discovery.federation, bootstrap: config.discovery.bootstrap, announce: config.role === 'reflector'
      })
    }
    const writer = this.writer = new SnapshotWriter(store, {
      snapshot: () => speaker.snapshot(),
      onError: (err) => { log.error({ err: String(err) }, 'persisting restart state failed') }
    })
    writer.prime(loaded.snapshot)

    // The loop and the transport refer to each other (pressure ↔ sink).
    const ref: { transport?: AgpTransport } = {}
    const loop = this.loop = new EventLoop({ speaker, clock: this.clock }, {
      onEffects: (effects, input) => { execute(effects, input) },
      onError: (err, input) => { log.error({ err: String(err), stack: (err as Error).stack, input: input.type }, 'speaker failed to handle an input') },
      onPressure: (high) => { ref.transport?.setPaused(high) }
    })
    const discovery = this.discovery
    const transport = ref.transport = this.transport = new AgpTransport({
      libp2p: node,
      sink: loop,
      logger: log,
      ...(discovery !== undefined ? { findAddrs: async (peer: string, o: { signal: AbortSignal }) => await discovery.findAddrs(peer, o) } : {}),
      observer: {
        frameIn: (_peer, frame) => { if (frame.type === 'update') metrics.updates('in', 1, frame.announces.length + frame.withdraws.length) },
        frameOut: (_peer, frame) => { if (frame.type === 'update') metrics.updates('out', 1, frame.announces.length + frame.withdraws.length) },
        decodeError: (peer, error) => { metrics.decodeError(); log.warn({ peer, error }, 'bad frame') }
      }
    }, { neighbors: neighborAddrs(config) })
    const execute = createEffectExecutor({
      transport,
      audit: this.audit,
      metrics,
      logger: log,
      markDirty: () => { writer.markDirty() },
      closeReason: (peer) => speaker.peers().find((p) => p.peerId === peer)?.lastError
    })

    this._facade = createDaemonFacade({ speaker, loop, store, clock: this.clock, metrics, congestion }, {
      org: config.org,
      peerId: identity.peerId,
      role: config.role,
      maxAgents: MAX_AGENTS,
      interests: config.interests,
      isReady: () => this.ready,
      onAgentChange: () => { writer.markDirty() },
      addressesOf: (peer) => node.getConnections(peerIdFromString(peer)).map((conn) => conn.remoteAddr.toString())
    })
    for (const factory of this.options.extensions ?? []) {
      this.extensions.push(await factory({
        config, identity, libp2p: node, signer, verifier, clock: this.clock, random: this.random, logger: log, metrics,
        sublevel: (name) => store.sublevel(name),
        repair: this.options.repair === true,
        speaker,
        facade: this._facade,
        neighborPeerIds: config.neighbors.map((n) => n.peer),
        congestion
      }))
    }
    const api = this.api = await createApiServer({
      facade: this._facade,
      logger: log.child({ component: 'api' }),
      token: config.api.token,
      metrics,
      plugins: [auditRoutes(this.auditTail), ...this.extensions.flatMap((e) => e.routes ?? [])]
    })

    await probeLibp2pListen(config.listen)
    await node.start()
    await transport.start()
    await this.discovery?.start()
    for (const ext of this.extensions) await ext.start?.()
    loop.post({ type: 'start' })
    try {
      this._apiAddress = addressOf(await listenApi(api, config.api.listen))
    } catch (err) {
      throw listenFailure(err, 'api.listen', config.api.listen)
    }
    this.fdWatch = new FdWatch({ logger: log })
    this.fdWatch.start()
  }

  async reload (next: SiteConfig): Promise<ReloadPlan> {
    const plan = planReload(this.applied, next)
    const facade = this.facade
    for (const agent of plan.upsertAgents) await facade.putAgent(agent)
    for (const id of plan.removeAgents) await facade.removeAgent(id)
    if (plan.reconfigure) await must(this.loop, 'event loop').submit({ type: 'reconfigure', policy: next.policy, damping: next.damping })
    this.applied = { ...this.applied, agents: next.agents, policy: next.policy, damping: next.damping }
    this.log.info({
      agentsUpdated: plan.upsertAgents.map((a) => a.id),
      agentsRemoved: plan.removeAgents,
      policyOrDampingApplied: plan.reconfigure,
      needsRestart: plan.needsRestart
    }, plan.needsRestart.length === 0
      ? 'config reloaded'
      : `config reloaded; changed keys that take effect only after a restart: ${plan.needsRestart.join(', ')}`)
    return plan
  }

  async stop (): Promise<void> {
    this.stopping ??= this.shutdown()
    await this.stopping
  }

  /** Reverse order of start; every step runs even when an earlier one failed. */
  private async shutdown (): Promise<void> {
    const log = this.log
    this.ready = false
    const step = async (name: string, fn: () => Promise<unknown> | unknown): Promise<void> => {
      try { await fn() } catch (err) { log.warn({ step: name, err: String(err) }, 'stop step failed') }
    }
    const timeoutMs = this.options.stopTimeoutMs ?? 3000
    const loop = this.loop
    if (loop !== undefined) await step('speaker stop', async () => await withTimeout(loop.submit({ type: 'stop' }), timeoutMs))
    await step('transport', async () => await this.transport?.stop())
    loop?.stop()
    for (const ext of [...this.extensions].reverse()) await step(`extension ${ext.name}`, async () => await ext.stop?.())
    this.fdWatch?.stop()
    await step('api', async () => await this.api?.close())
    await step('discovery', async () => await this.discovery?.stop())
    await step('libp2p', async () => await this.node?.stop())
    await step('snapshot flush', async () => await this.writer?.flush())
    await step('budget spend flush', async () => await this.congestion?.stop())
    const store = this.store
    // Before the store closes: the last checkpoint is signed at close and kept there too.
    await step('audit close', async () => {
      this.audit?.close()
      const last = this.audit?.latestCheckpoint
      if (last !== undefined) await store?.putAuditCheckpoint(JSON.stringify(last))
    })
    if (store !== undefined) {
      await step('clean flag', async () => { await store.setCleanShutdown(true) })
      await step('store close', async () => { await store.close() })
    }
    log.info('atpd stopped')
  }
}

/**
 * The audit log, signing checkpoints with the node key (a copy goes to the store). A
 * log behind the stored checkpoint was cut or replaced while the daemon was down: that
 * is logged as an error at every start, and `atp audit verify` fails on it.
 */
async function openAudit (config: SiteConfig, store: NodeStore, signer: Signer, log: Logger, tail: AuditTail): Promise<AuditLog> {
  const a = config.audit
  tail.prime(config.dataDir)
  const audit = AuditLog.open(config.dataDir, {
    onRecord: (record) => { tail.push(record) },
    onRepair: (n) => { log.warn({ bytesCut: n }, 'audit log: cut a torn last record') },
    signer,
    checkpointEveryMs: a.checkpointEveryS * 1000,
    rotateBytes: a.rotateBytes,
    retention: { keepFiles: a.keepFiles, keepDays: a.keepDays },
    onRetention: (removed) => { log.info({ removed }, 'audit log: segments removed by retention') },
    onCheckpoint: (c) => { store.putAuditCheckpoint(JSON.stringify(c)).catch((err: unknown) => { log.warn({ err: String(err) }, 'audit checkpoint: store copy failed') }) }
  })
  const stored = parseCheckpoint((await store.getAuditCheckpoint()) ?? '')
  if (stored !== undefined && stored.seq > audit.lastSeq) {
    log.error({ checkpointSeq: stored.seq, logSeq: audit.lastSeq, path: audit.path }, 'audit log ends before its last signed checkpoint: records were removed while atpd was down (run atp audit verify)')
  }
  return audit
}

/** Config agents are applied at every start; they override stored agents with the same id. */
function withConfigAgents (snapshot: SpeakerSnapshot, agents: readonly (LocalAgent & { limits?: unknown })[]): SpeakerSnapshot {
  if (agents.length === 0) return snapshot
  const byId = new Map(snapshot.localAgents.map((a) => [a.id, a]))
  // Origin limits stay with the daemon (congestion control); the Speaker gets the agent.
  for (const { limits: _limits, ...a } of agents) byId.set(a.id, a)
  return { ...snapshot, localAgents: [...byId.values()] }
}

/** The counters of a Speaker that keeps them (reflector/speaker.ts does; test stand-ins may not). */
function countersOf (speaker: Speaker): (() => Readonly<SpeakerCounters>) | undefined {
  const s = speaker as Partial<Pick<AtpSpeaker, 'counters'>>
  return typeof s.counters === 'function' ? () => (speaker as AtpSpeaker).counters() : undefined
}

function neighborAddrs (config: SiteConfig): Map<string, Multiaddr[]> {
  return new Map(config.neighbors.map((n) => [n.peer, n.addrs.map((a) => multiaddr(a))]))
}

function addressOf (url: string): string {
  try { return new URL(url).host } catch { return url }
}

async function withTimeout<T> (p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined) }, ms) })
  try { return await Promise.race([p, timeout]) } finally { clearTimeout(timer) }
}

function must<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`atpd: ${what} is not available before start()`)
  return value
}


/** Logs a repeated event at 1, 2, 4, 8, … occurrences: a flood costs a line per doubling. */
function isPowerOfTwo (n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0
}
