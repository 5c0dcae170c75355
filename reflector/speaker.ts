/**
 * createSpeaker(): the pure routing engine of one node — sessions, RIBs, decision,
 * damping, freshness, policy and reflection, composed (interface: ./types.ts).
 *
 *   speaker.handle(input, nowMs) → Effect[]
 *
 * Each input runs to completion, then: the Loc-RIB changes are committed
 * (loc-rib-changed for visible ones), queued per neighbor and flushed as the MRAI
 * allows, and the freshness timer is re-armed. Same inputs, same effects, in the same
 * order: nothing here reads a clock or a random source except through the ports.
 *
 * Timer semantics expected from drivers: set-timer with an id that is already armed
 * replaces its deadline; clear-timer cancels it.
 */
import { InvalidArgumentError } from '../kernel/index.ts'
import { decodeDampingState } from '../agp/index.ts'
import type { DampingState, PathCandidate } from '../agp/index.ts'
import { flushDue, onTransportDrained, settle } from './speaker-export.ts'
import { restoreRoutes } from './speaker-graceful-restart.ts'
import { armRefresh, originateAgents, removeAgent, upsertAgent } from './speaker-origination.ts'
import { reconfigure } from './speaker-reconfigure.ts'
import { newSession, stepNeighbor } from './speaker-sessions.ts'
import { audit, createState, dampingKey, type SpeakerCounters, type SpeakerState } from './speaker-state.ts'
import { armFreshness, onTimer } from './speaker-timers.ts'
import { forwardTargetView } from './speaker-forwarding.ts'
import { setNeighbors } from './speaker-neighbors.ts'
import { adjRibInDelta, outcomesView, peersView, recordOutcomeView, resolveView, restartStateView, routesView, snapshotView } from './speaker-views.ts'
import type { Effect, LocalAgent, Speaker, SpeakerComponents, SpeakerInit, SpeakerInput, SpeakerSnapshot } from './types.ts'

export type { SpeakerCounters } from './speaker-state.ts'

/** A Speaker plus counters for metrics (signature failures, loops dropped, ...). */
export interface AtpSpeaker extends Speaker {
  counters (): Readonly<SpeakerCounters>
  /**
   * The selected paths of exactly one capability in local rank order: what routes()
   * lists for it, as the Loc-RIB's own copies (no view objects; a simulation's
   * checkers read millions). The array is live: read it at once, do not keep or modify it.
   */
  rankedPaths (capability: string): readonly PathCandidate[]
  /** [capability, rankedPaths(capability)] for every capability held, in capability order (what routes() walks). */
  capabilityPaths (): Iterable<readonly [string, readonly PathCandidate[]]>
}


export function createSpeaker (init: SpeakerInit, components: SpeakerComponents, snapshot?: SpeakerSnapshot): AtpSpeaker {
  validateInit(init)
  const localPeerId = components.signer.peerId
  const st = createState(init, components, snapshot, (n) => newSession(init, localPeerId, n))
  return {
    org: init.org,
    peerId: localPeerId,
    handle: (input, nowMs) => handle(st, input, nowMs),
    peers: () => peersView(st),
    routes: (nowMs, capability) => routesView(st, nowMs, capability),
    resolve: (query, nowMs) => resolveView(st, query, nowMs),
    forwardTarget: (query) => forwardTargetView(st, query),
    recordOutcome: (o, nowMs) => recordOutcomeView(st, o, nowMs),
    outcomes: (nowMs) => outcomesView(st, nowMs),
    localAgents: () => [...st.agents.values()].map((l) => l.agent),
    snapshot: () => snapshotView(st),
    takeAdjRibInChanges: () => adjRibInDelta(st),
    restartState: () => restartStateView(st),
    counters: () => ({ ...st.counters }),
    rankedPaths: (capability) => st.locRib.rankedPaths(capability),
    capabilityPaths: () => st.locRib.capabilityPaths()
  }
}

function handle (st: SpeakerState, input: SpeakerInput, nowMs: number): Effect[] {
  st.nowMs = nowMs
  st.effects = []
  // A node that resolves for consumers reads a changed capability's resolve ranking in
  // as the change settles, while its new paths are fresh in the caches, so that
  // resolves find it ready: for its own agents and their refreshes, timers and
  // configuration. For UPDATEs, the receive path the daemon's throughput rests on, only
  // capabilities a resolve asked for before are kept current (a lookup for the others);
  // the rest are read in by the first resolve that asks. Nor at a reflector, which like
  // a BGP route reflector that keeps routes out of its FIB resolves little.
  st.prepareRankings = input.type !== 'frame' && st.init.role !== 'reflector'
  dispatch(st, input)
  settle(st)
  flushDue(st)
  armFreshness(st)
  return st.effects
}

function dispatch (st: SpeakerState, input: SpeakerInput): void {
  switch (input.type) {
    case 'start': return start(st)
    case 'transport-up': return toNeighbor(st, input.peer, { type: 'transport-up', outbound: input.outbound })
    case 'transport-down': return toNeighbor(st, input.peer, { type: 'transport-down', reason: input.reason })
    case 'frame': return toNeighbor(st, input.peer, { type: 'frame', frame: input.frame })
    case 'bad-frame': return toNeighbor(st, input.peer, { type: 'bad-frame', error: input.error })
    case 'timer': return onTimer(st, input.id)
    case 'agent-upsert': return upsertAgent(st, input.agent)
    case 'agent-remove': return removeAgent(st, input.id)
    case 'transport-drained': return onTransportDrained(st, input.peer)
    case 'reconfigure': return reconfigure(st, input.policy, input.damping)
    case 'neighbors': return setNeighbors(st, input.neighbors)
    case 'stop':
      for (const n of st.neighbors.values()) stepNeighbor(st, n, { type: 'stop' })
  }
}

function toNeighbor (st: SpeakerState, peer: string, event: Parameters<typeof stepNeighbor>[2]): void {
  // Drivers admit only configured neighbors; anything else is ignored, never a crash.
  const n = st.neighbors.get(peer)
  if (n !== undefined) stepNeighbor(st, n, event)
}

function start (st: SpeakerState): void {
  if (st.started) return
  st.started = true
  const snap = st.restore
  st.restore = undefined
  if (snap !== undefined) {
    for (const d of snap.damping) {
      // A persisted state that does not decode is dropped: forgetting a penalty is safe.
      const state = decodeDampingStateOrUndefined(d.state)
      if (state !== undefined) st.damping.set(dampingKey(d.peer, d.pathKey), { capability: d.capability, state })
    }
    // The first record of an id wins, as when each was upserted in turn.
    const fresh = new Map<string, LocalAgent>()
    for (const a of snap.localAgents) if (!st.agents.has(a.id) && !fresh.has(a.id)) fresh.set(a.id, a)
    originateAgents(st, [...fresh.values()], (agent, e) => {
      // One stored agent the wire would refuse is left out (and audited), never a reason
      // to stop: drivers check before they store, but a snapshot may predate a stricter rule.
      audit(st, { kind: 'agent-refused', org: st.init.org, agent: agent.id, detail: e.message })
    })
    for (const { peer, routes } of snap.adjRibIn) {
      const n = st.neighbors.get(peer)
      if (n !== undefined) restoreRoutes(st, n, routes)
    }
  }
  for (const n of st.neighbors.values()) stepNeighbor(st, n, { type: 'start' })
  armRefresh(st)
}

function validateInit (init: SpeakerInit): void {
  const problems: string[] = []
  const l = init.limits
  if (!(l.maxRoutesPerNeighbor >= 1)) problems.push(`limits.maxRoutesPerNeighbor must be >= 1, got ${l.maxRoutesPerNeighbor}`)
  if (!(l.maxPathsPerCapability >= 1)) problems.push(`limits.maxPathsPerCapability must be >= 1, got ${l.maxPathsPerCapability}`)
  if (!(l.maxRoutesPerUpdate >= 1)) problems.push(`limits.maxRoutesPerUpdate must be >= 1, got ${l.maxRoutesPerUpdate}`)
  if (!(Number.isInteger(l.exportRoutesPerTurn) && l.exportRoutesPerTurn >= 0)) problems.push(`limits.exportRoutesPerTurn must be an integer >= 0, got ${l.exportRoutesPerTurn}`)
  if (!(init.mraiMs >= 0)) problems.push(`mraiMs must be >= 0, got ${init.mraiMs}`)
  if (!(init.restartTimeS >= 0)) problems.push(`restartTimeS must be >= 0, got ${init.restartTimeS}`)
  if (!(init.freshness.refreshS > 0)) problems.push(`freshness.refreshS must be > 0, got ${init.freshness.refreshS}`)
  if (init.role === 'reflector' && (init.cluster === undefined || init.cluster === '')) problems.push('a reflector needs a cluster id')
  const seen = new Set<string>()
  for (const n of init.neighbors) {
    if (seen.has(n.peerId)) problems.push(`neighbor ${n.peerId} is configured twice`)
    seen.add(n.peerId)
  }
  if (problems.length > 0) throw new InvalidArgumentError(`invalid speaker config: ${problems.join('; ')}`)
}

function decodeDampingStateOrUndefined (value: unknown): DampingState | undefined {
  try {
    return decodeDampingState(value)
  } catch {
    return undefined
  }
}
