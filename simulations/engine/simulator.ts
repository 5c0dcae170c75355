/**
 * The discrete-event driver: every node runs the daemon's own event loop and effect
 * executor (driver/EventLoop) around its Speaker, with the ports swapped for virtual
 * ones. There is no routing logic here, only the ports:
 *   Scheduler: a timer is an event of the seeded queue; a turn of the loop runs at once
 *     (each input is handled when its event is dispatched, as before the loop existed)
 *   Transport: send  → 'frame' inputs at the receiver after the link delay
 *              dial  → 'transport-up' at both ends (outbound at the dialer), or 'transport-down'
 *              close → 'transport-down' at the other end
 *              await-drain → 'transport-drained' one delivery later
 *   sinks: audit and Loc-RIB changes go to the listener
 * Modes: 'timed' (delays, jitter, timers) and 'fifo' (zero delay, messages in global
 * FIFO order, timers and scenario events only when no message is in flight).
 */
import type { Frame } from '../../agp/index.ts'
import { EventLoop, type Scheduler, type Transport } from '../../driver/index.ts'
import { seededRandom, type Clock } from '../../kernel/index.ts'
import { EMPTY_POLICY } from '../../agp/index.ts'
import {
  DEFAULT_LIMITS, type LocalAgent, type SpeakerInit, type SpeakerInput, type SpeakerSnapshot
} from '../../reflector/index.ts'
import type { SimNodeSpec, SimTopology } from '../topology/model.ts'
import { EventQueue, FifoQueue } from './event-queue.ts'
import { SimNetwork } from './network.ts'
import { applyScenario, type ScenarioTarget } from './scenario.ts'
import { nodeSeed, simSigner, simVerifier } from './sim-keys.ts'
import type { FrameCodec, NodeRuntime, SimListener, SimMode, SpeakerFactory } from './types.ts'

type Payload = { readonly frames: readonly Frame[] } | { readonly bytes: readonly Uint8Array[] }

type SimEvent =
  | { readonly k: 'input', readonly node: string, readonly inc: number, readonly input: SpeakerInput }
  | { readonly k: 'up', readonly node: string, readonly inc: number, readonly peer: string, readonly outbound: boolean, readonly epoch: number }
  | { readonly k: 'frames', readonly node: string, readonly inc: number, readonly peer: string, readonly epoch: number, readonly payload: Payload }
  | { readonly k: 'timer', readonly node: string, readonly inc: number, readonly fire: () => void }
  | { readonly k: 'scenario', readonly index: number }

export interface SimulatorOptions {
  readonly seed: number
  readonly mode: SimMode
  readonly createSpeaker: SpeakerFactory
  /** Round-trip every frame through the codec (`--wire`). */
  readonly codec?: FrameCodec
  readonly listener: SimListener
  /** Graceful-restart time given to every Speaker. */
  readonly restartTimeS?: number
  readonly maxBackoffMs?: number
  /** Safety stop (FIFO mode can loop forever at one instant). */
  readonly maxEvents?: number
  readonly onProgress?: (nowMs: number, endMs: number) => void
}

export interface SimRunInfo {
  readonly endMs: number
  readonly events: number
  /** The run stopped at maxEvents or at a listener's request before endMs. */
  readonly stoppedEarly: boolean
}

const FIFO_FLUSH_EVERY = 10_000

export class Simulator implements ScenarioTarget {
  readonly nodes = new Map<string, NodeRuntime>()
  readonly network: SimNetwork
  readonly endMs: number
  nowMs = 0
  /** The virtual clock every node's loop reads. */
  private readonly clock: Clock = { nowMs: () => this.nowMs }
  private readonly queue = new EventQueue<SimEvent>()
  private readonly fifo = new FifoQueue<SimEvent>()
  private readonly verifier = simVerifier()
  private readonly opts: SimulatorOptions
  private readonly topology: SimTopology
  private stopRequested = false

  constructor (topology: SimTopology, opts: SimulatorOptions) {
    this.topology = topology
    this.opts = opts
    this.endMs = Math.round(topology.durationS * 1000)
    this.network = new SimNetwork({
      links: topology.links,
      defaultDelayMs: topology.params.linkDelayMs,
      jitterMs: topology.params.jitterMs,
      random: seededRandom(opts.seed),
      zeroDelay: opts.mode === 'fifo'
    })
    for (const spec of topology.nodes) {
      this.nodes.set(spec.id, {
        spec, init: this.initFor(spec), speaker: undefined, loop: undefined, incarnation: 0, snapshot: undefined,
        agents: new Map(spec.agents.map((a) => [a.id, a])), withdrawn: new Set()
      })
    }
  }

  /** Asks the run to stop after the current event (e.g. a checker saw a permanent oscillation). */
  requestStop (): void { this.stopRequested = true }

  run (): SimRunInfo {
    for (const node of this.nodes.values()) this.boot(node, undefined)
    for (const e of this.topology.events) this.queue.push(Math.round(e.atS * 1000), { k: 'scenario', index: e.index })
    const maxEvents = this.opts.maxEvents ?? Number.MAX_SAFE_INTEGER
    const listener = this.opts.listener
    let events = 0
    while (!this.stopRequested && events < maxEvents) {
      let ev = this.fifo.shift()
      if (ev === undefined) {
        if (this.queue.peekTimeMs() > this.endMs) break
        const next = this.queue.pop()
        if (next === undefined) break
        if (next.timeMs !== this.nowMs) {
          listener.onInstantEnd?.(this.nowMs, next.timeMs)
          this.nowMs = next.timeMs
        }
        ev = next.item
      } else if (events % FIFO_FLUSH_EVERY === 0) {
        listener.onInstantEnd?.(this.nowMs, this.nowMs)
      }
      events++
      this.dispatch(ev)
      if (this.opts.onProgress !== undefined && (events & 0xffff) === 0) this.opts.onProgress(this.nowMs, this.endMs)
    }
    const stoppedEarly = this.stopRequested || events >= maxEvents
    listener.onInstantEnd?.(this.nowMs, stoppedEarly ? this.nowMs : this.endMs)
    if (!stoppedEarly) this.nowMs = this.endMs
    return { endMs: this.nowMs, events, stoppedEarly }
  }

  private dispatch (ev: SimEvent): void {
    if (ev.k === 'scenario') {
      const e = this.topology.events.find((x) => x.index === ev.index)
      if (e === undefined) return
      this.opts.listener.onScenario?.(e, this.nowMs)
      applyScenario(this, e, this.nowMs)
      return
    }
    const node = this.nodes.get(ev.node)
    if (node === undefined || node.speaker === undefined || node.incarnation !== ev.inc) return
    switch (ev.k) {
      case 'input':
        this.handle(node, ev.input)
        break
      case 'up':
        if (this.network.isCurrent(node.spec.id, ev.peer, ev.epoch)) {
          this.handle(node, { type: 'transport-up', peer: ev.peer, outbound: ev.outbound })
        }
        break
      case 'timer':
        // The loop's timer tokens drop the fire of a timer replaced or cleared since.
        ev.fire()
        break
      case 'frames':
        this.deliver(node, ev.peer, ev.epoch, ev.payload)
        break
    }
  }

  private deliver (node: NodeRuntime, peer: string, epoch: number, payload: Payload): void {
    const id = node.spec.id
    const codec = this.opts.codec
    const count = 'frames' in payload ? payload.frames.length : payload.bytes.length
    for (let i = 0; i < count; i++) {
      // A frame handled earlier in this batch may have closed the transport.
      if (!this.network.isCurrent(id, peer, epoch) || node.speaker === undefined) return
      let frame: Frame
      if ('frames' in payload) {
        frame = payload.frames[i] as Frame
      } else {
        const decoded = (codec as FrameCodec).decodeFrame(payload.bytes[i] as Uint8Array)
        if (!decoded.ok) {
          this.handle(node, { type: 'bad-frame', peer, error: decoded.error })
          continue
        }
        frame = decoded.value
      }
      this.opts.listener.onFrame?.(id, peer, frame, this.nowMs)
      this.handle(node, { type: 'frame', peer, frame })
    }
  }

  /** Hands one input to the node's loop, which handles it at once and executes its effects in order. */
  handle (node: NodeRuntime, input: SpeakerInput): void {
    node.loop?.post(input)
  }

  /** The node's virtual scheduler: timers on the seeded queue, every turn at once, turns cost no time. */
  private schedulerFor (node: NodeRuntime): Scheduler {
    const id = node.spec.id
    return {
      setTimer: (atMs, fire) => { this.queue.push(Math.max(atMs, this.nowMs), { k: 'timer', node: id, inc: node.incarnation, fire }) },
      clearTimer: () => {},
      defer: (turn) => { turn() },
      turnClockMs: () => 0
    }
  }

  /** The node's transport on the seeded network. */
  private transportFor (node: NodeRuntime): Transport {
    return {
      send: (peer, frames) => { this.send(node, peer, frames) },
      dial: (peer) => { this.dial(node, peer) },
      close: (peer) => {
        const id = node.spec.id
        if (this.network.close(id, peer)) this.notifyDown(peer, id, 'closed by peer', this.nowMs + this.network.delayMs(id, peer))
      },
      awaitDrain: (peer) => {
        // Paced export (limits.exportRoutesPerTurn): the link has taken a turn once it was delivered.
        const id = node.spec.id
        if (this.network.transport(id, peer).up) {
          this.schedule(this.network.deliveryMs(id, peer, this.nowMs), { k: 'input', node: id, inc: node.incarnation, input: { type: 'transport-drained', peer } })
        }
      }
    }
  }

  private send (node: NodeRuntime, to: string, frames: readonly Frame[]): void {
    const id = node.spec.id
    const now = this.nowMs
    const t = this.network.transport(id, to)
    if (!t.up || frames.length === 0) return
    this.opts.listener.onSend?.(id, to, frames, now)
    const peer = this.nodes.get(to)
    if (peer === undefined) return
    const codec = this.opts.codec
    const payload: Payload = codec !== undefined ? { bytes: frames.map((f) => codec.encodeFrame(f)) } : { frames }
    this.schedule(this.network.deliveryMs(id, to, now), { k: 'frames', node: to, inc: peer.incarnation, peer: id, epoch: t.epoch, payload })
  }

  private dial (node: NodeRuntime, to: string): void {
    const id = node.spec.id
    const now = this.nowMs
    const peer = this.nodes.get(to)
    const delay = this.network.delayMs(id, to)
    if (peer === undefined || peer.speaker === undefined || this.network.isPartitioned(id, to)) {
      // Connection refused or timed out: the dialer learns it after a round trip.
      this.schedule(now + 2 * delay, { k: 'input', node: id, inc: node.incarnation, input: { type: 'transport-down', peer: to, reason: 'unreachable' } })
      return
    }
    const epoch = this.network.open(id, to)
    this.schedule(now + delay, { k: 'up', node: id, inc: node.incarnation, peer: to, outbound: true, epoch })
    this.schedule(now + delay, { k: 'up', node: to, inc: peer.incarnation, peer: id, outbound: false, epoch })
  }

  /** Network events go to the FIFO queue in FIFO mode, to the timed queue otherwise. */
  private schedule (atMs: number, ev: SimEvent): void {
    if (this.opts.mode === 'fifo') this.fifo.push(ev)
    else this.queue.push(atMs, ev)
  }

  /** Tells `node` (if up) that its transport to `peer` went down, at `atMs`. */
  notifyDown (node: string, peer: string, reason: string, atMs: number): void {
    const target = this.nodes.get(node)
    if (target === undefined || target.speaker === undefined) return
    this.schedule(atMs, { k: 'input', node, inc: target.incarnation, input: { type: 'transport-down', peer, reason } })
  }

  // ScenarioTarget: lifecycle and local agents, used by scenario.ts.

  boot (node: NodeRuntime, snapshot: SpeakerSnapshot | undefined): void {
    const id = node.spec.id
    const components = {
      signer: simSigner(id),
      verifier: this.verifier,
      random: seededRandom(nodeSeed(this.opts.seed, id, node.incarnation))
    }
    const speaker = node.speaker = this.opts.createSpeaker(node.init, components, snapshot)
    const listener = this.opts.listener
    // No store port: the simulated store is the snapshot a crash takes.
    node.loop = new EventLoop({ speaker, clock: this.clock, scheduler: this.schedulerFor(node), transport: this.transportFor(node) }, {
      sinks: {
        audit: (event) => { listener.onAudit?.(id, event, this.nowMs) },
        locRibChanged: (capability) => { listener.onLocRibChanged?.(id, capability, this.nowMs) },
        // A core bug ends the run with its error, as it would end a test.
        error: (err) => { throw err }
      }
    })
    node.snapshot = undefined
    this.opts.listener.onNodeLifecycle?.(id, true, this.nowMs)
    this.handle(node, { type: 'start' })
    // First boot: the configured agents are registered as the daemon does from its config.
    if (snapshot === undefined) for (const agent of node.spec.agents) this.handle(node, { type: 'agent-upsert', agent })
  }

  crash (node: NodeRuntime): void {
    const speaker = node.speaker
    if (speaker === undefined) return
    // The daemon persists as it goes; a crash keeps exactly what snapshot() holds.
    node.snapshot = speaker.snapshot()
    node.speaker = undefined
    node.loop?.stop()
    node.loop = undefined
    node.incarnation++
    const id = node.spec.id
    for (const n of node.spec.neighbors) {
      if (this.network.close(id, n.peerId)) this.notifyDown(n.peerId, id, 'peer crashed', this.nowMs + this.network.delayMs(id, n.peerId))
    }
    this.opts.listener.onNodeLifecycle?.(id, false, this.nowMs)
  }

  restart (node: NodeRuntime): void {
    if (node.speaker !== undefined) return
    node.incarnation++
    this.boot(node, node.snapshot)
  }

  /** Local agent change at a node; while it is down, the change goes to its store. */
  upsertAgent (node: NodeRuntime, agent: LocalAgent): void {
    if (node.speaker !== undefined) { this.handle(node, { type: 'agent-upsert', agent }); return }
    const snap = node.snapshot
    if (snap !== undefined) node.snapshot = { ...snap, localAgents: [...snap.localAgents.filter((a) => a.id !== agent.id), agent] }
  }

  removeAgent (node: NodeRuntime, agentId: string): void {
    if (node.speaker !== undefined) { this.handle(node, { type: 'agent-remove', id: agentId }); return }
    const snap = node.snapshot
    if (snap !== undefined) node.snapshot = { ...snap, localAgents: snap.localAgents.filter((a) => a.id !== agentId) }
  }

  private initFor (spec: SimNodeSpec): SpeakerInit {
    const p = this.topology.params
    return {
      org: spec.org ?? spec.id,
      ...(spec.site !== undefined ? { site: spec.site } : {}),
      role: spec.kind === 'reflector' ? 'reflector' : 'peer',
      ...(spec.cluster !== undefined ? { cluster: spec.cluster } : {}),
      neighbors: spec.neighbors,
      interests: spec.interests,
      damping: p.damping,
      freshness: p.freshness,
      mraiMs: p.mraiMs,
      holdTimeS: p.holdTimeS,
      restartTimeS: this.opts.restartTimeS ?? 120,
      maxBackoffMs: this.opts.maxBackoffMs ?? 30_000,
      policy: EMPTY_POLICY,
      limits: DEFAULT_LIMITS
    }
  }
}
