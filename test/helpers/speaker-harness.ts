/**
 * A tiny in-memory driver for Speakers: 'send' effects become 'frame' inputs at the
 * neighbor (optionally through the real codec), 'dial' opens a transport at both
 * ends, 'close' drops it, and timers fire in time order on a fake clock. Events at the
 * same time run in the order they were scheduled, so a run is deterministic.
 */
import { decodeFrame, encodeFrame } from '../../agp/codec/frame-codec.ts'
import type { Frame } from '../../agp/codec/frame.ts'
import { DEFAULT_DAMPING, DEFAULT_FRESHNESS } from '../../agp/params.ts'
import { EMPTY_POLICY } from '../../agp/policy/types.ts'
import { originSiteOf } from '../../agp/route/site.ts'
import { seededRandom } from '../../kernel/ports.ts'
import { createSpeaker, type AtpSpeaker } from '../../reflector/speaker.ts'
import { DEFAULT_LIMITS, type Effect, type LocalAgent, type SpeakerInit, type SpeakerInput, type SpeakerSnapshot } from '../../reflector/types.ts'
import { agentFields, fakeSigner, fakeVerifier } from './fixtures.ts'

export type NodeSpec = Partial<SpeakerInit> & { readonly peerId: string, readonly org: string }

export function speakerInit (spec: NodeSpec): SpeakerInit {
  const { peerId: _peerId, ...rest } = spec
  return {
    role: 'peer',
    neighbors: [],
    interests: [],
    damping: DEFAULT_DAMPING,
    freshness: DEFAULT_FRESHNESS,
    mraiMs: 0,
    holdTimeS: 90,
    restartTimeS: 120,
    maxBackoffMs: 30_000,
    policy: EMPTY_POLICY,
    limits: DEFAULT_LIMITS,
    ...rest
  }
}

export function agent (id: string, capability: string, over: Partial<LocalAgent> = {}): LocalAgent {
  return { id, ...agentFields({ capability, endpoint: `http://127.0.0.1:9000/${id}` }), ...over }
}

/**
 * The smallest reflection: pa (org a) and pc (org c), clients of the reflector rr1
 * (cluster c1), sessions up. `mraiMs` applies to pa and rr1 (the senders).
 */
export function reflectorWithTwoClients (h: SpeakerHarness = new SpeakerHarness(), mraiMs = 0): SpeakerHarness {
  const toRr = { peerId: 'rr1', org: 'rr', role: 'reflector' as const }
  h.add({ peerId: 'pa', org: 'a', mraiMs, neighbors: [toRr] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [toRr] })
  h.add({
    peerId: 'rr1', org: 'rr', role: 'reflector', cluster: 'c1', mraiMs,
    neighbors: [{ peerId: 'pa', org: 'a', role: 'client' }, { peerId: 'pc', org: 'c', role: 'client' }]
  })
  h.startAll()
  h.runFor(1000)
  return h
}

/** The capabilities of the paths a node holds, sorted. */
export function capabilitiesAt (h: SpeakerHarness, node: string): string[] {
  return h.node(node).routes(h.nowMs).map((r) => r.route.attrs.capability).sort()
}

/** The paths a node holds, as sorted `org/site/agent` strings. */
export function pathsAt (h: SpeakerHarness, node: string): string[] {
  return h.node(node).routes(h.nowMs).map((v) => `${v.route.attrs.originOrg}/${originSiteOf(v.route.attrs)}/${v.route.attrs.agentId}`).sort()
}

interface Scheduled {
  readonly atMs: number
  readonly seq: number
  readonly node: string
  readonly input: SpeakerInput
}

export interface HarnessOptions {
  /** Encode and decode every frame with the real codec (default true). */
  readonly wire?: boolean
  /** One-way delay of every link (default 1 ms). */
  readonly delayMs?: number
  readonly seed?: number
}

export class SpeakerHarness {
  nowMs = 0
  readonly speakers = new Map<string, AtpSpeaker>()
  readonly specs = new Map<string, NodeSpec>()
  /** Every effect each node produced, in order. */
  readonly log = new Map<string, Effect[]>()
  /** Frames delivered, per receiving node. */
  readonly received = new Map<string, Array<{ from: string, frame: Frame }>>()
  private readonly timers = new Map<string, Map<string, number>>()
  private readonly events: Scheduled[] = []
  private readonly links = new Set<string>()
  private readonly cut = new Set<string>()
  private seq = 0
  private readonly wire: boolean
  private readonly delayMs: number
  private readonly seed: number

  constructor (opts: HarnessOptions = {}) {
    this.wire = opts.wire ?? true
    this.delayMs = opts.delayMs ?? 1
    this.seed = opts.seed ?? 1
  }

  add (spec: NodeSpec, snapshot?: SpeakerSnapshot): AtpSpeaker {
    const speaker = createSpeaker(speakerInit(spec), {
      signer: fakeSigner(spec.peerId), verifier: fakeVerifier, random: seededRandom(this.seed + this.speakers.size)
    }, snapshot)
    this.speakers.set(spec.peerId, speaker)
    this.specs.set(spec.peerId, spec)
    this.timers.set(spec.peerId, new Map())
    if (!this.log.has(spec.peerId)) this.log.set(spec.peerId, [])
    return speaker
  }

  node (peerId: string): AtpSpeaker {
    const s = this.speakers.get(peerId)
    if (s === undefined) throw new Error(`no node ${peerId}`)
    return s
  }

  /** Runs one input now and executes its effects. */
  input (node: string, input: SpeakerInput): Effect[] {
    const speaker = this.speakers.get(node)
    if (speaker === undefined) return []
    const effects = speaker.handle(input, this.nowMs)
    this.log.get(node)?.push(...effects)
    for (const e of effects) this.execute(node, e)
    return effects
  }

  startAll (): void {
    for (const id of this.speakers.keys()) this.input(id, { type: 'start' })
  }

  /** Processes events and timers up to `nowMs + ms` (inclusive). */
  runFor (ms: number): void {
    this.runUntil(this.nowMs + ms)
  }

  runUntil (untilMs: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const next = this.nextEvent()
      if (next === undefined || next.atMs > untilMs) break
      this.nowMs = Math.max(this.nowMs, next.atMs)
      if (next.kind === 'timer') {
        this.timers.get(next.node)?.delete(next.id)
        this.input(next.node, { type: 'timer', id: next.id })
      } else {
        this.events.shift()
        this.input(next.event.node, next.event.input)
      }
    }
    this.nowMs = Math.max(this.nowMs, untilMs)
  }

  /** Cuts the link: both ends see the transport go down; dials fail until heal(). */
  partition (a: string, b: string): void {
    this.cut.add(linkKey(a, b))
    this.dropLink(a, b, 'partition')
  }

  heal (a: string, b: string): void {
    this.cut.delete(linkKey(a, b))
  }

  /** The node disappears: its links drop, its timers and in-flight frames are lost. */
  crash (node: string): void {
    for (const l of [...this.links]) {
      const [x, y] = l.split('|') as [string, string]
      if (x === node || y === node) this.dropLink(x, y, 'crash')
    }
    this.speakers.delete(node)
    this.timers.set(node, new Map())
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]?.node === node) this.events.splice(i, 1)
  }

  restart (node: string, snapshot?: SpeakerSnapshot): AtpSpeaker {
    const spec = this.specs.get(node)
    if (spec === undefined) throw new Error(`no node ${node}`)
    const s = this.add(spec, snapshot)
    this.input(node, { type: 'start' })
    return s
  }

  isUp (a: string, b: string): boolean {
    return this.links.has(linkKey(a, b))
  }

  /** Effects of a type a node produced so far. */
  effects<T extends Effect['type']> (node: string, type: T): Array<Extract<Effect, { type: T }>> {
    return (this.log.get(node) ?? []).filter((e): e is Extract<Effect, { type: T }> => e.type === type)
  }

  private execute (node: string, e: Effect): void {
    switch (e.type) {
      case 'send':
        if (!this.isUp(node, e.peer)) return
        for (const frame of e.frames) this.schedule(e.peer, { type: 'frame', peer: node, frame: this.carry(frame) }, this.delayMs)
        return
      case 'dial': {
        const ok = this.speakers.has(e.peer) && !this.cut.has(linkKey(node, e.peer)) && !this.isUp(node, e.peer)
        if (!ok) {
          this.schedule(node, { type: 'transport-down', peer: e.peer, reason: 'dial failed' }, this.delayMs)
          return
        }
        this.links.add(linkKey(node, e.peer))
        this.schedule(node, { type: 'transport-up', peer: e.peer, outbound: true }, this.delayMs)
        this.schedule(e.peer, { type: 'transport-up', peer: node, outbound: false }, this.delayMs)
        return
      }
      case 'close':
        if (!this.isUp(node, e.peer)) return
        this.links.delete(linkKey(node, e.peer))
        this.schedule(e.peer, { type: 'transport-down', peer: node, reason: 'closed by peer' }, this.delayMs)
        return
      case 'set-timer':
        this.timers.get(node)?.set(e.id, e.atMs)
        return
      case 'clear-timer':
        this.timers.get(node)?.delete(e.id)
        return
      case 'await-drain':
        // The link takes what was sent within one delivery delay.
        if (this.isUp(node, e.peer)) this.schedule(node, { type: 'transport-drained', peer: e.peer }, this.delayMs)
        return
      default:
        if (e.type === 'loc-rib-changed' || e.type === 'audit') return
    }
  }

  private carry (frame: Frame): Frame {
    if (!this.wire) return frame
    const decoded = decodeFrame(encodeFrame(frame))
    if (!decoded.ok) throw new Error(`codec refused our own frame: ${decoded.error.message}`)
    return decoded.value
  }

  private dropLink (a: string, b: string, reason: string): void {
    if (!this.links.delete(linkKey(a, b))) return
    this.schedule(a, { type: 'transport-down', peer: b, reason }, 0)
    this.schedule(b, { type: 'transport-down', peer: a, reason }, 0)
  }

  private schedule (node: string, input: SpeakerInput, delayMs: number): void {
    if (input.type === 'frame') {
      const list = this.received.get(node) ?? []
      list.push({ from: input.peer, frame: input.frame })
      this.received.set(node, list)
    }
    const ev = { atMs: this.nowMs + delayMs, seq: this.seq++, node, input }
    // Keep events sorted by (atMs, seq): appends are the common case.
    let i = this.events.length
    while (i > 0 && (this.events[i - 1] as Scheduled).atMs > ev.atMs) i--
    this.events.splice(i, 0, ev)
  }

  private nextEvent (): { kind: 'timer', atMs: number, node: string, id: string } | { kind: 'event', atMs: number, event: Scheduled } | undefined {
    let best: { kind: 'timer', atMs: number, node: string, id: string } | undefined
    for (const [node, timers] of this.timers) {
      if (!this.speakers.has(node)) continue
      for (const [id, atMs] of timers) if (best === undefined || atMs < best.atMs) best = { kind: 'timer', atMs, node, id }
    }
    const ev = this.events[0]
    if (ev !== undefined && (best === undefined || ev.atMs <= best.atMs)) return { kind: 'event', atMs: ev.atMs, event: ev }
    return best
  }
}

function linkKey (a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

/**
 * pc consumes three agents of org a through a partner session: 'star' advertises far
 * better than 'h1' and 'h2'. Started, and settled with every route at pc.
 */
export function partnerConsumer (capability: string): SpeakerHarness {
  const h = new SpeakerHarness()
  h.add({ peerId: 'pa', org: 'a', neighbors: [{ peerId: 'pc', org: 'c', role: 'partner' }] })
  h.add({ peerId: 'pc', org: 'c', neighbors: [{ peerId: 'pa', org: 'a', role: 'partner' }] })
  h.startAll()
  h.runFor(1000)
  h.input('pa', { type: 'agent-upsert', agent: agent('star', capability, { costUsd: 0.01, latencyMs: { p50: 50, p95: 100 }, winRate: { wins: 1000, trials: 1000 } }) })
  h.input('pa', { type: 'agent-upsert', agent: agent('h1', capability, { costUsd: 0.5, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 70, trials: 100 } }) })
  h.input('pa', { type: 'agent-upsert', agent: agent('h2', capability, { costUsd: 0.6, latencyMs: { p50: 900, p95: 2500 }, winRate: { wins: 60, trials: 100 } }) })
  h.runFor(1000)
  return h
}
