/**
 * The discrete-event driver: it runs one Speaker per node exactly as the daemon does
 * (`speaker.handle(input, nowMs) → Effect[]`) over the seeded network and a virtual
 * clock. There is no routing logic here, only the execution of effects:
 *   send  → 'frame' inputs at the receiver after the link delay
 *   dial  → 'transport-up' at both ends (outbound at the dialer), or 'transport-down'
 *   close → 'transport-down' at the other end
 *   set-timer / clear-timer → the event queue
 * Modes: 'timed' (delays, jitter, timers) and 'fifo' (zero delay, messages in global
 * FIFO order, timers and scenario events only when no message is in flight).
 */
import type { Frame } from '../../agp/index.ts'
import { seededRandom } from '../../kernel/index.ts'
import { EMPTY_POLICY } from '../../agp/index.ts'
import {
  DEFAULT_LIMITS, type Effect, type LocalAgent, type SpeakerInit, type SpeakerInput, type SpeakerSnapshot
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
  | { readonly k: 'timer', readonly node: string, readonly inc: number, readonly id: string, readonly token: number }
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
  private readonly queue = new EventQueue<SimEvent>()
  private readonly fifo = new FifoQueue<SimEvent>()
  private readonly verifier = simVerifier()
  private readonly opts: SimulatorOptions
  private readonly topology: SimTopology
  private timerToken = 0
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
        spec, init: this.initFor(spec), speaker: undefined, incarnation: 0, timers: new Map(), snapshot: undefined,
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
        if (node.timers.get(ev.id) !== ev.token) return
        node.timers.delete(ev.id)
        this.handle(node, { type: 'timer', id: ev.id })
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

  /** Hands one input to the node's Speaker and executes its effects in order. */
  handle (node: NodeRuntime, input: SpeakerInput): void {
    const speaker = node.speaker
    if (speaker === undefined) return
    const effects = speaker.handle(input, this.nowMs)
    for (const effect of effects) this.execute(node, effect)
  }

  private execute (node: NodeRuntime, effect: Effect): void {
    const id = node.spec.id
    const now = this.nowMs
    const listener = this.opts.listener
    switch (effect.type) {
      case 'send': {
        const t = this.network.transport(id, effect.peer)
        if (!t.up || effect.frames.length === 0) return
        listener.onSend?.(id, effect.peer, effect.frames, now)
        const peer = this.nodes.get(effect.peer)
        if (peer === undefined) return
        const codec = this.opts.codec
        const payload: Payload = codec !== undefined ? { bytes: effect.frames.map((f) => codec.encodeFrame(f)) } : { frames: effect.frames }
        this.schedule(this.network.deliveryMs(id, effect.peer, now), { k: 'frames', node: effect.peer, inc: peer.incarnation, peer: id, epoch: t.epoch, payload })
        return
      }
      case 'dial': {
        const peer = this.nodes.get(effect.peer)
        const delay = this.network.delayMs(id, effect.peer)
        if (peer === undefined || peer.speaker === undefined || this.network.isPartitioned(id, effect.peer)) {
          // Connection refused or timed out: the dialer learns it after a round trip.
          this.schedule(now + 2 * delay, { k: 'input', node: id, inc: node.incarnation, input: { type: 'transport-down', peer: effect.peer, reason: 'unreachable' } })
          return
        }
        const epoch = this.network.open(id, effect.peer)
        this.schedule(now + delay, { k: 'up', node: id, inc: node.incarnation, peer: effect.peer, outbound: true, epoch })
        this.schedule(now + delay, { k: 'up', node: effect.peer, inc: peer.incarnation, peer: id, outbound: false, epoch })
        return
      }
      case 'close':
        if (this.network.close(id, effect.peer)) this.notifyDown(effect.peer, id, 'closed by peer', now + this.network.delayMs(id, effect.peer))
        return
      case 'set-timer': {
        const token = ++this.timerToken
        node.timers.set(effect.id, token)
        const at = Math.max(effect.atMs, now)
        this.queue.push(at, { k: 'timer', node: id, inc: node.incarnation, id: effect.id, token })
        return
      }
      case 'clear-timer':
        node.timers.delete(effect.id)
        return
      case 'await-drain':
        // Paced export (limits.exportRoutesPerTurn): the link has taken a turn once it was delivered.
        if (this.network.transport(id, effect.peer).up) {
          this.schedule(this.network.deliveryMs(id, effect.peer, now), { k: 'input', node: id, inc: node.incarnation, input: { type: 'transport-drained', peer: effect.peer } })
        }
        return
      case 'loc-rib-changed':
        listener.onLocRibChanged?.(id, effect.capability, now)
        return
      case 'audit':
        listener.onAudit?.(id, effect.event, now)
    }
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
    node.speaker = this.opts.createSpeaker(node.init, components, snapshot)
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
    node.incarnation++
    node.timers.clear()
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
