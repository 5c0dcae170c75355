/**
 * The simulator's memory layer: every node runs the daemon's memory sync machine
 * (crdt/sync, one per neighbor) over the engine's seeded network model (SimNetwork:
 * per-link delay, jitter, loss as retransmission, partitions) and its event queue, on a
 * virtual clock. Like the daemon, it keeps a Replica per namespace the node holds, a
 * store of every envelope it applied or sealed (what survives a crash), and seals local
 * writes when their batch is due. The machines' input queue, redial timers and effect
 * execution are the daemon's own (driver/MemorySyncDriver); this file supplies its ports:
 *   dial        → output-up at the dialer and input-up at the neighbor one link delay
 *                 later, or output-down after a round trip (neighbor down, partitioned)
 *   send        → message inputs at the neighbor after the link delay, in order
 *   deliver     → Replica.receiveMany; applied envelopes are stored and pushed to every
 *                 other machine of the node; a parked one answers `parked`
 *   set-timer / clear-timer → the event queue (the driver's tokens drop stale fires)
 *   await-drain → drained one delivery later
 * Memory streams are independent of the routing sessions (as in the daemon), so this
 * layer runs on its own queue and its own Random: a topology without `memory:` runs
 * exactly as before. Scenario events act on it too: partition, heal, crash, restart.
 */
import { seededRandom, type Clock } from '../../kernel/index.ts'
import { canRead, canWrite, Replica, SyncMachine } from '../../crdt/index.ts'
import type { Envelope, NamespaceConfig, SyncInput, SyncMessage } from '../../crdt/index.ts'
import { MemorySyncDriver } from '../../driver/index.ts'
import { EventQueue } from '../engine/event-queue.ts'
import { SimNetwork } from '../engine/network.ts'
import { nodeSeed, simSigner, simVerifier } from '../engine/sim-keys.ts'
import type { SimMode } from '../engine/types.ts'
import type { SimMemory } from '../topology/memory-spec.ts'
import type { SimNodeSpec, SimTopology } from '../topology/model.ts'

/** One namespace in the report: equal stateHash at every holder at the end, and when memory last changed. */
export interface MemoryNamespaceReport {
  readonly converged: boolean
  /** Virtual time of the last change to this namespace at any node (a write, an envelope applied). */
  readonly convergenceMs: number
  /** The stateHash every holder has, or null when they differ (or one is down). */
  readonly stateHash: string | null
}

interface MemoryNode {
  readonly spec: SimNodeSpec
  readonly org: string
  up: boolean
  /** Bumped at crash and restart: events of an older incarnation are dropped. */
  incarnation: number
  /** The store's process-lifetime counter: the writer stream of each lifetime is (node, epoch). */
  epoch: number
  /** What the node's store holds: every envelope applied or sealed, per namespace, in apply order. */
  readonly store: Map<string, Envelope[]>
  replicas: Map<string, Replica>
  /** The daemon's driver of this node's sync machines (one per neighbor); none while down. */
  driver: MemorySyncDriver | undefined
  readonly flushScheduled: Set<string>
}

type MemEvent =
  | { readonly k: 'input', readonly node: string, readonly inc: number, readonly peer: string, readonly input: SyncInput }
  | { readonly k: 'up', readonly node: string, readonly peer: string, readonly epoch: number }
  | { readonly k: 'message', readonly node: string, readonly peer: string, readonly epoch: number, readonly messages: readonly SyncMessage[] }
  | { readonly k: 'timer', readonly node: string, readonly inc: number, readonly fire: () => void }
  | { readonly k: 'flush', readonly node: string, readonly inc: number, readonly namespace: string }
  | { readonly k: 'write', readonly writer: number, readonly n: number }
  | { readonly k: 'scenario', readonly index: number }

/** One direction's stream (dialer → neighbor); epoch bumps at every open and close. */
interface Stream { state: 'connecting' | 'up' | 'down', epoch: number }

/** A run far past any sane size stops here rather than spin (every input is bounded, but be sure). */
const MAX_EVENTS = 50_000_000

export class MemorySim {
  readonly nodes = new Map<string, MemoryNode>()
  nowMs = 0
  events = 0
  private readonly queue = new EventQueue<MemEvent>()
  private readonly network: SimNetwork
  private readonly streams = new Map<string, Stream>()
  private readonly verifier = simVerifier()
  private readonly lastChangeMs = new Map<string, number>()
  /** The virtual clock every node's driver reads. */
  private readonly clock: Clock = { nowMs: () => this.nowMs }
  private readonly endMs: number
  private readonly memory: SimMemory

  constructor (private readonly topology: SimTopology, private readonly opts: { readonly seed: number, readonly mode: SimMode }) {
    if (topology.memory === undefined) throw new Error('the topology declares no memory')
    this.memory = topology.memory
    this.endMs = Math.round(topology.durationS * 1000)
    this.network = new SimNetwork({
      links: topology.links,
      defaultDelayMs: topology.params.linkDelayMs,
      jitterMs: topology.params.jitterMs,
      random: seededRandom(nodeSeed(opts.seed, 'memory', 0)),
      zeroDelay: opts.mode === 'fifo'
    })
    for (const spec of topology.nodes) {
      this.nodes.set(spec.id, {
        spec, org: spec.org ?? spec.id, up: false, incarnation: 0, epoch: 0, store: new Map(), replicas: new Map(), driver: undefined, flushScheduled: new Set()
      })
    }
  }

  run (): void {
    for (const node of this.nodes.values()) this.boot(node)
    for (const e of this.topology.events) this.queue.push(Math.round(e.atS * 1000), { k: 'scenario', index: e.index })
    this.memory.writers.forEach((w, writer) => { if (w.fromMs < w.toMs) this.queue.push(w.fromMs, { k: 'write', writer, n: 0 }) })
    while (this.events < MAX_EVENTS && this.queue.peekTimeMs() <= this.endMs) {
      const next = this.queue.pop()
      if (next === undefined) break
      this.nowMs = next.timeMs
      this.events++
      this.dispatch(next.item)
    }
    this.nowMs = this.endMs
  }

  /** Per namespace, sorted: converged, the last change, the common stateHash. */
  report (): Record<string, MemoryNamespaceReport> {
    const out: Record<string, MemoryNamespaceReport> = {}
    for (const ns of [...this.memory.namespaces].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const hashes = new Set<string | undefined>()
      for (const node of this.nodes.values()) if (this.holds(node, ns)) hashes.add(node.up ? node.replicas.get(ns.id)?.stateHash() : undefined)
      const [only] = hashes
      const converged = hashes.size === 1 && only !== undefined
      out[ns.id] = { converged, convergenceMs: this.lastChangeMs.get(ns.id) ?? 0, stateHash: converged ? only : null }
    }
    return out
  }

  /** stateHash of a namespace at each node holding it (undefined while the node is down). */
  stateHashes (namespace: string): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>()
    for (const [id, node] of this.nodes) {
      const ns = this.memory.namespaces.find((n) => n.id === namespace)
      if (ns !== undefined && this.holds(node, ns)) out.set(id, node.up ? node.replicas.get(namespace)?.stateHash() : undefined)
    }
    return out
  }

  replicaOf (node: string, namespace: string): Replica | undefined {
    return this.nodes.get(node)?.replicas.get(namespace)
  }

  /** A reflector holds every namespace to relay it; an org node those its org reads (as the daemon). */
  private holds (node: MemoryNode, ns: NamespaceConfig): boolean {
    return node.spec.kind === 'reflector' || canRead(ns, node.org)
  }

  private dispatch (ev: MemEvent): void {
    switch (ev.k) {
      case 'scenario': this.scenario(ev.index); return
      case 'write': this.write(ev.writer, ev.n); return
      case 'up': this.streamUp(ev.node, ev.peer, ev.epoch); return
      case 'message': {
        const s = this.streams.get(streamKey(ev.peer, ev.node))
        const node = this.nodes.get(ev.node)
        if (s === undefined || s.state !== 'up' || s.epoch !== ev.epoch || node?.up !== true) return
        for (const message of ev.messages) this.input(node, ev.peer, { type: 'message', message })
        return
      }
    }
    const node = this.nodes.get(ev.node)
    if (node === undefined || !node.up || node.incarnation !== ev.inc) return
    switch (ev.k) {
      case 'input': this.input(node, ev.peer, ev.input); return
      case 'timer': ev.fire(); return
      case 'flush': this.flush(node, ev.namespace)
    }
  }

  /** An input to one of the node's machines, through its driver's queue. */
  private input (node: MemoryNode, peer: string, input: SyncInput): void {
    if (node.up) node.driver?.input(peer, input)
  }

  /** The node's driver over the simulator's ports: the seeded queue and network, the node's replicas and store. */
  private driverFor (node: MemoryNode): MemorySyncDriver {
    const id = node.spec.id
    return new MemorySyncDriver({
      clock: this.clock,
      scheduler: {
        setTimer: (atMs, fire) => { this.queue.push(Math.max(atMs, this.nowMs), { k: 'timer', node: id, inc: node.incarnation, fire }) },
        clearTimer: () => {},
        defer: (turn) => { turn() },
        turnClockMs: () => 0
      },
      transport: {
        dial: (peer) => { this.dial(node, peer) },
        send: (peer, messages) => {
          const s = this.streams.get(streamKey(id, peer))
          if (s?.state !== 'up') return
          this.queue.push(this.network.deliveryMs(id, peer, this.nowMs), { k: 'message', node: peer, peer: id, epoch: s.epoch, messages })
        },
        awaitDrain: (peer) => {
          // The stream has taken a turn once it was delivered.
          if (this.streams.get(streamKey(id, peer))?.state === 'up') this.schedule(node, peer, this.network.deliveryMs(id, peer, this.nowMs), { type: 'drained', queuedBytes: 0 })
        }
      },
      receiver: { receive: (peer, namespace, envelopes) => this.deliver(node, peer, namespace, envelopes) }
      // output-lost: the daemon logs it; nothing to do here
    })
  }

  private dial (node: MemoryNode, peer: string): void {
    const id = node.spec.id
    const target = this.nodes.get(peer)
    const delay = this.network.delayMs(id, peer)
    if (target === undefined || !target.up || this.network.isPartitioned(id, peer)) {
      // Refused or timed out: the dialer learns it after a round trip.
      this.schedule(node, peer, this.nowMs + 2 * delay, { type: 'output-down', reason: 'unreachable' })
      return
    }
    const s = this.stream(id, peer)
    s.state = 'connecting'
    s.epoch++
    this.queue.push(this.nowMs + delay, { k: 'up', node: id, peer, epoch: s.epoch })
  }

  private streamUp (dialer: string, acceptor: string, epoch: number): void {
    const s = this.streams.get(streamKey(dialer, acceptor))
    const from = this.nodes.get(dialer)
    const to = this.nodes.get(acceptor)
    if (s === undefined || s.state !== 'connecting' || s.epoch !== epoch || from?.up !== true || to?.up !== true) return
    s.state = 'up'
    this.input(from, acceptor, { type: 'output-up' })
    this.input(to, dialer, { type: 'input-up' })
  }

  /** Closes a stream; its dialer (if up) learns it at `atMs`. */
  private closeStream (dialer: string, acceptor: string, reason: string, atMs: number): void {
    const s = this.streams.get(streamKey(dialer, acceptor))
    if (s === undefined || s.state === 'down') return
    s.state = 'down'
    s.epoch++
    const node = this.nodes.get(dialer)
    if (node?.up === true) this.schedule(node, acceptor, atMs, { type: 'output-down', reason })
  }

  /** Applies a `deliver`; true when an envelope parked (the driver then answers `parked`). */
  private deliver (node: MemoryNode, peer: string, namespace: string, envelopes: readonly Envelope[]): boolean {
    const replica = node.replicas.get(namespace)
    if (replica === undefined) return false
    const applied: Envelope[] = []
    let parked = false
    // A sync message's envelopes together, as the daemon's MemoryService: a signed batch is verified once.
    for (const r of replica.receiveMany(envelopes, this.nowMs)) {
      if (r.status === 'applied') applied.push(...r.applied)
      else if (r.status === 'parked') parked = true
    }
    if (applied.length > 0) this.stored(node, namespace, applied, peer)
    return parked
  }

  /** Envelopes applied or sealed at a node: into its store, then live to every neighbor but `from`. */
  private stored (node: MemoryNode, namespace: string, envelopes: readonly Envelope[], from: string | undefined): void {
    node.store.get(namespace)?.push(...envelopes)
    this.lastChangeMs.set(namespace, this.nowMs)
    if (node.up) node.driver?.push(namespace, envelopes, from)
  }

  private write (writer: number, n: number): void {
    const w = this.memory.writers[writer]
    if (w === undefined) return
    const nextMs = w.fromMs + Math.round((n + 1) * w.intervalMs)
    if (nextMs < w.toMs) this.queue.push(nextMs, { k: 'write', writer, n: n + 1 })
    const node = this.nodes.get(w.node)
    const replica = node?.replicas.get(w.namespace)
    if (node === undefined || !node.up || replica === undefined) return
    replica.put(`k${n % w.keys}`, { by: w.node, n }, this.nowMs)
    this.lastChangeMs.set(w.namespace, this.nowMs)
    this.scheduleFlush(node, w.namespace)
  }

  private scheduleFlush (node: MemoryNode, namespace: string): void {
    const due = node.replicas.get(namespace)?.dueAtMs()
    if (due === undefined || node.flushScheduled.has(namespace)) return
    node.flushScheduled.add(namespace)
    this.queue.push(Math.max(due, this.nowMs), { k: 'flush', node: node.spec.id, inc: node.incarnation, namespace })
  }

  private flush (node: MemoryNode, namespace: string): void {
    node.flushScheduled.delete(namespace)
    const replica = node.replicas.get(namespace)
    if (replica === undefined) return
    const sealed = replica.flush(this.nowMs)
    if (sealed.length > 0) this.stored(node, namespace, sealed, undefined)
    this.scheduleFlush(node, namespace)
  }

  /** Starts a node from its store, as the daemon does: a new epoch, a fresh clientID, every stored envelope re-applied. */
  private boot (node: MemoryNode): void {
    const id = node.spec.id
    node.up = true
    node.epoch++
    const random = seededRandom(nodeSeed(this.opts.seed, `memory/${id}`, node.incarnation))
    const knownPeers = new Map<string, string>(node.spec.neighbors.map((n) => [n.peerId, n.org]))
    knownPeers.set(id, node.org)
    node.replicas = new Map()
    for (const ns of this.memory.namespaces) {
      if (!this.holds(node, ns)) continue
      const stored = node.store.get(ns.id) ?? []
      node.store.set(ns.id, stored)
      const used = new Set(stored.map((e) => e.clientId))
      let clientId = 0
      while (clientId === 0 || used.has(clientId)) clientId = 1 + Math.floor(random.next() * 0xFFFFFFFE)
      const writer = canWrite(ns, node.org) ? { org: node.org, signer: simSigner(id), epoch: node.epoch, clientId } : undefined
      const replica = new Replica({ namespace: ns, verifier: this.verifier, knownPeers, ...(writer !== undefined ? { writer } : {}) })
      replica.receiveMany(stored, this.nowMs)
      node.replicas.set(ns.id, replica)
    }
    const selfRole = node.spec.kind === 'reflector' ? 'reflector' : 'peer'
    const driver = node.driver = this.driverFor(node)
    for (const n of node.spec.neighbors) driver.machines.set(n.peerId, new SyncMachine({ neighbor: { peerId: n.peerId, org: n.org, role: n.role }, selfRole, replicas: node.replicas }))
    driver.start()
    for (const peer of driver.machines.keys()) this.input(node, peer, { type: 'start' })
  }

  private crash (node: MemoryNode): void {
    if (!node.up) return
    const id = node.spec.id
    node.up = false
    node.incarnation++
    node.driver?.stop()
    node.driver = undefined
    node.flushScheduled.clear()
    // A batch not yet sealed is lost with the process, as in the daemon (its PUT was never acknowledged).
    node.replicas = new Map()
    for (const n of node.spec.neighbors) {
      this.closeStream(id, n.peerId, 'crashed', this.nowMs)
      this.closeStream(n.peerId, id, 'peer crashed', this.nowMs + this.network.delayMs(id, n.peerId))
    }
  }

  private scenario (index: number): void {
    const e = this.topology.events.find((x) => x.index === index)
    if (e === undefined) return
    switch (e.type) {
      case 'partition':
        this.network.partition(e.a, e.b)
        this.closeStream(e.a, e.b, 'partition', this.nowMs)
        this.closeStream(e.b, e.a, 'partition', this.nowMs)
        return
      case 'heal':
        // The machines redial on their own timers.
        this.network.heal(e.a, e.b)
        return
      case 'crash': {
        const node = this.nodes.get(e.node)
        if (node !== undefined) this.crash(node)
        return
      }
      case 'restart': {
        const node = this.nodes.get(e.node)
        if (node !== undefined && !node.up) { node.incarnation++; this.boot(node) }
      }
    }
  }

  private schedule (node: MemoryNode, peer: string, atMs: number, input: SyncInput): void {
    this.queue.push(atMs, { k: 'input', node: node.spec.id, inc: node.incarnation, peer, input })
  }

  private stream (dialer: string, acceptor: string): Stream {
    const key = streamKey(dialer, acceptor)
    let s = this.streams.get(key)
    if (s === undefined) { s = { state: 'down', epoch: 0 }; this.streams.set(key, s) }
    return s
  }
}

function streamKey (dialer: string, acceptor: string): string {
  return `${dialer}>${acceptor}`
}
