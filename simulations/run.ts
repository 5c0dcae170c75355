/**
 * One simulation run: the engine, the checkers and the report wired together.
 * `runSimulation` takes the Speaker factory explicitly (tests may pass a stand-in);
 * `simulate` (simulate.ts) passes the real createSpeaker and frame codec.
 */
import { pathKeyOf, type Route } from '../agp/index.ts'
import type { Speaker } from '../reflector/index.ts'
import { DampingChecker, type DampingEpisode, type PenaltySample } from './checkers/damping-checker.ts'
import type { Violation } from './checkers/loops.ts'
import { RibTracker } from './checkers/rib-tracker.ts'
import { Simulator } from './engine/simulator.ts'
import { MemorySim } from './memory/memory-sim.ts'
import type { FrameCodec, SimMode, SpeakerFactory } from './engine/types.ts'
import { Metrics, type MessageCounts, type RouteStateSample } from './report/metrics.ts'
import { buildReport, type SimReport } from './report/report.ts'
import type { TaskTimeline } from './tasks/task-stats.ts'
import { TaskTraffic } from './tasks/task-traffic.ts'
import type { SimTopology } from './topology/model.ts'

export interface RunOptions {
  readonly createSpeaker: SpeakerFactory
  /** Needed when wire mode is on (option or topology default). */
  readonly codec?: FrameCodec
  /** Overrides the topology's seed. */
  readonly seed?: number
  readonly mode?: SimMode
  /** Overrides `defaults.wire`. */
  readonly wire?: boolean
  /** Route-state samples for the HTML report (default 60; 0 for none). */
  readonly routeStateSamples?: number
  /** Tolerance of the damping timing check (default 1000 ms). */
  readonly dampingTickMs?: number
  readonly maxEvents?: number
  readonly onProgress?: (nowMs: number, endMs: number) => void
}

export interface SimResult {
  readonly report: SimReport
  readonly mode: SimMode
  readonly violations: readonly Violation[]
  readonly events: number
  readonly stoppedEarly: boolean
  /** Time series and end state for the HTML report. */
  readonly timeline: {
    readonly messageBuckets: readonly MessageCounts[]
    readonly routeStates: readonly RouteStateSample[]
    readonly changeTimes: readonly { atMs: number, changes: number }[]
    readonly scenarioTimes: readonly number[]
    readonly penalties: ReadonlyMap<string, readonly PenaltySample[]>
    readonly episodes: readonly DampingEpisode[]
  }
  /** Every usable local route at its origin at the end: the regret baseline. */
  readonly originRoutes: readonly Route[]
  /** Task traffic over time, when the topology declares tasks. */
  readonly taskTimeline?: TaskTimeline
  readonly quietMs: number
}

/** FIFO mode has no time to end a message loop: stop after this many recurrences of one state. */
const FIFO_RECURRENCE_STOP = 16

export function runSimulation (topology: SimTopology, options: RunOptions): SimResult {
  const seed = options.seed ?? topology.seed
  const mode = options.mode ?? 'timed'
  const wire = options.wire ?? topology.params.wire
  if (wire && options.codec === undefined) throw new Error('wire mode needs a frame codec')
  const p = topology.params
  const violations: Violation[] = []
  const scenarioTimes: number[] = []
  // The closures below run only inside sim.run(), after `sim` and `tracker` exist.
  const speakerOf = (node: string): ReturnType<SpeakerFactory> | undefined => sim.nodes.get(node)?.speaker
  const endMs = Math.round(topology.durationS * 1000)
  const quietMs = quietWindowMs(topology)
  const reflectorIds = topology.nodes.filter((n) => n.kind === 'reflector').map((n) => n.id)
  const metrics = new Metrics(endMs, topology.nodes.map((n) => n.id), reflectorIds, options.routeStateSamples ?? 60)
  const damping = new DampingChecker({
    params: p.damping, tickMs: options.dampingTickMs ?? 1000, speakerOf, onViolation: (v) => violations.push(v)
  })
  const sim: Simulator = new Simulator(topology, {
    seed,
    mode,
    createSpeaker: options.createSpeaker,
    ...(wire && options.codec !== undefined ? { codec: options.codec } : {}),
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    listener: {
      onSend: (_node, _peer, frames, nowMs) => metrics.onSend(frames, nowMs),
      onFrame: (node, peer, frame) => damping.onFrame(node, peer, frame),
      onLocRibChanged: (node, cap) => tracker.markChanged(node, cap),
      onAudit: (node, e, nowMs) => damping.onAudit(node, e, nowMs),
      onScenario: (_e, nowMs) => { tracker.scenarioEvent(nowMs); scenarioTimes.push(nowMs) },
      onNodeLifecycle: (node) => tracker.markNode(node),
      onInstantEnd: (fromMs, toMs) => {
        traffic?.advance(toMs)
        tracker.flush(fromMs)
        damping.flush(fromMs)
        metrics.onInstantEnd(fromMs, toMs, speakerOf)
        if (mode === 'fifo' && tracker.recurrences >= FIFO_RECURRENCE_STOP) sim.requestStop()
      }
    }
  })
  const tracker: RibTracker = new RibTracker({ nodes: sim.nodes, quietMs, onViolation: (v) => violations.push(v) })
  const traffic: TaskTraffic | undefined = topology.tasks !== undefined ? new TaskTraffic(topology.tasks, seed, endMs, speakerOf) : undefined
  const info = sim.run()
  traffic?.advance(info.endMs, true)
  damping.finish(info.endMs)
  const verdict = tracker.verdict(info.endMs, info.stoppedEarly)

  const { final, originRoutes } = readFinal(sim, info.endMs)
  // Memory streams are independent of the routing sessions: the memory layer runs on its own queue.
  const memory = topology.memory !== undefined ? new MemorySim(topology, { seed, mode }) : undefined
  memory?.run()
  const report = buildReport({
    seed,
    converged: verdict.converged,
    oscillating: verdict.oscillating,
    convergenceMs: verdict.convergenceMs,
    endMs: info.endMs,
    messages: metrics.totals,
    bestPathChanges: verdict.bestPathChanges,
    episodes: damping.episodes,
    final,
    ...(traffic !== undefined ? { tasks: traffic.stats.report(topology.tasks?.sloMs) } : {}),
    ...(memory !== undefined ? { memory: memory.report() } : {})
  })
  return {
    report,
    mode,
    violations,
    events: info.events,
    stoppedEarly: info.stoppedEarly,
    timeline: {
      messageBuckets: metrics.buckets,
      routeStates: metrics.routeStates,
      changeTimes: tracker.changeTimes,
      scenarioTimes,
      penalties: damping.samples,
      episodes: damping.episodes
    },
    originRoutes,
    quietMs,
    ...(traffic !== undefined ? { taskTimeline: traffic.stats.timeline() } : {})
  }
}

/** Every node's usable paths per capability, read from its Speaker at the end (down nodes: none). */
function readFinal (sim: Simulator, endMs: number): { final: Map<string, Map<string, string[]>>, originRoutes: Route[] } {
  const final = new Map<string, Map<string, string[]>>()
  const originRoutes: Route[] = []
  for (const [id, node] of sim.nodes) {
    const caps = new Map<string, string[]>()
    final.set(id, caps)
    if (node.speaker === undefined) continue
    for (const [capability, paths] of finalPaths(node.speaker, endMs)) {
      for (const v of paths) {
        if (!v.usable) continue
        let list = caps.get(capability)
        if (list === undefined) caps.set(capability, list = [])
        // The path id `${originOrg}/${agentId}`: the copy's own key string when it has one.
        list.push(v.path ?? pathKeyOf(v.route))
        if (v.fromPeer === '') originRoutes.push(v.route)
      }
    }
  }
  return { final, originRoutes }
}

interface FinalPath { readonly route: Route, readonly fromPeer: string, readonly usable: boolean, readonly path?: string }

/**
 * The Speaker's selected paths grouped by capability, in capability then rank order (as
 * routes() lists them): its Loc-RIB copies when it exposes them (AtpSpeaker.capabilityPaths,
 * no view per path: 10,000 nodes hold millions), else routes() grouped.
 */
function finalPaths (speaker: Speaker, endMs: number): Iterable<readonly [string, readonly FinalPath[]]> {
  const s = speaker as Speaker & { capabilityPaths?: () => Iterable<readonly [string, readonly FinalPath[]]> }
  if (typeof s.capabilityPaths === 'function') return s.capabilityPaths()
  const grouped = new Map<string, FinalPath[]>()
  for (const v of speaker.routes(endMs)) {
    const cap = v.route.attrs.capability
    let list = grouped.get(cap)
    if (list === undefined) grouped.set(cap, list = [])
    list.push(v)
  }
  return grouped
}

/**
 * How long nothing may change before the end for a run to count as converged: enough
 * for an update to cross the longest path (origin → reflector → reflector → client,
 * plus a partner hop), each hop up to one MRAI, the slowest link and its jitter.
 */
export function quietWindowMs (topology: SimTopology): number {
  const p = topology.params
  let maxDelay = p.linkDelayMs
  let lossy = false
  for (const l of topology.links.values()) {
    maxDelay = Math.max(maxDelay, l.delayMs)
    lossy ||= l.loss > 0
  }
  return Math.max(1000, 4 * (p.mraiMs + maxDelay + p.jitterMs) + (lossy ? 4 * Math.max(200, 2 * maxDelay) : 0))
}
