/**
 * Origination: local agents become signed routes (agp/route/originate.ts) in the
 * Loc-RIB, with fromPeer ''. Every advertisement gets a new, strictly increasing
 * originSeq: max(last + 1, nowMs), so a node restarted without its snapshot still
 * moves forward (its neighbors ignore sequence numbers lower than what they hold).
 * Origins refresh every freshness.refreshS: a batch still mostly live is re-asserted
 * with one signed batch refresh (speaker-batch-refresh.ts); other agents are advertised
 * again with a new originatedAtMs, which receivers classify as a 'refresh' (no
 * damping penalty).
 *
 * A start and a refresh originate many routes at once: they are signed in batches
 * (one signature over a Merkle root per ORIGIN_BATCH_ROUTES routes, each route with
 * its audit path), so receivers check one signature per batch. A single agent's
 * change stays one route under one signature over its own attrs.
 */
import {
  DEFAULT_LOCAL_PREF, originateRoute, pathKey, pathKeyOf, prepareOrigination, type PreparedOrigination, type Route, signOriginationBatch
} from '../agp/index.ts'
import { AtpError } from '../kernel/index.ts'
import { refreshBatches } from './speaker-batch-refresh.ts'
import { audit, setTimer, timerIds, type LocalRoute, type SpeakerState } from './speaker-state.ts'
import type { LocalAgent } from './types.ts'

/** Adds or changes a local agent. Throws InvalidArgumentError (state unchanged) for an agent a receiver would refuse. */
export function upsertAgent (st: SpeakerState, agent: LocalAgent): void {
  const prev = st.agents.get(agent.id)
  if (prev !== undefined && sameAgent(prev.agent, agent)) return
  const route = originate(st, agent)
  if (prev !== undefined && prev.agent.capability !== agent.capability) {
    st.locRib.delete(prev.agent.capability, pathKey(st.init.org, agent.id), '')
  }
  st.agents.set(agent.id, { agent, route })
  installLocal(st, route)
  audit(st, { kind: 'agent-originated', capability: agent.capability, org: st.init.org, agent: agent.id })
}

export function removeAgent (st: SpeakerState, id: string): void {
  const prev = st.agents.get(id)
  if (prev === undefined) return
  st.agents.delete(id)
  st.locRib.delete(prev.agent.capability, pathKey(st.init.org, id), '')
  audit(st, { kind: 'agent-removed', capability: prev.agent.capability, org: st.init.org, agent: id })
}

/**
 * Agents re-advertised per fire of the `refresh` timer at most. A refresh of 100,000
 * agents advertised again in one call held the event loop for 2.7 s (signing, Loc-RIB
 * and export); in slices of this many, with the timer re-armed at once between them, a
 * driver serves its sessions and API between slices (3.6 ms each at the median). A
 * multiple of ORIGIN_BATCH_ROUTES, so a slice is whole signature batches.
 */
export const REFRESH_SLICE_ROUTES = 256

/**
 * Agents looked at per fire of the `refresh` timer at most. Most are refreshed by
 * batch (one signature per batch, speaker-batch-refresh.ts), which costs far less per
 * agent than advertising it again.
 */
export const REFRESH_SLICE_AGENTS = 4096

/**
 * The `refresh` timer: refreshes the local agents present when the refresh began — by
 * batch refresh where their batch is still mostly live, else advertised again under new
 * batch signatures — a slice per fire, then arms the next refresh refreshS after the
 * first slice. Returns true when this fire began a refresh.
 */
export function refreshAgents (st: SpeakerState): boolean {
  const began = st.refreshRound === undefined
  const round = st.refreshRound ?? { ids: [...st.agents.keys()], next: 0, startedAtMs: st.nowMs }
  const again: LocalRoute[] = []
  let scanned = 0
  while (round.next < round.ids.length && again.length < REFRESH_SLICE_ROUTES && scanned < REFRESH_SLICE_AGENTS) {
    const chunk: LocalRoute[] = []
    while (round.next < round.ids.length && chunk.length < REFRESH_SLICE_ROUTES) {
      // An agent removed since the refresh began is skipped; one changed since is refreshed again.
      const local = st.agents.get(round.ids[round.next++] as string)
      scanned++
      if (local !== undefined) chunk.push(local)
    }
    const done = refreshBatches(st, chunk)
    for (const local of done.restamped) {
      // Nothing but the stamp changed: in place, without a rerank (else the usual way).
      if (!st.locRib.restamp(local.agent.capability, pathKey(st.init.org, local.agent.id), '', local.route)) installLocal(st, local.route)
    }
    again.push(...done.again)
  }
  const routes = originateBatch(st, again.map((l) => l.agent))
  again.forEach((local, i) => {
    local.route = routes[i] as Route
    installLocal(st, local.route)
  })
  if (round.next < round.ids.length) {
    st.refreshRound = round
    setTimer(st, timerIds.refresh, st.nowMs)
  } else {
    st.refreshRound = undefined
    setTimer(st, timerIds.refresh, Math.max(st.nowMs, round.startedAtMs + st.init.freshness.refreshS * 1000))
  }
  return began
}

/**
 * Originates agents that are not ours yet (a start from the store) under batch
 * signatures. An agent the wire would refuse is left out and reported through
 * `refused`; the others are originated as upsertAgent would, one by one.
 */
export function originateAgents (st: SpeakerState, agents: readonly LocalAgent[], refused: (agent: LocalAgent, error: AtpError) => void): void {
  const first = nextOriginSeq(st)
  const ok: LocalAgent[] = []
  const prepared: PreparedOrigination[] = []
  for (const agent of agents) {
    try {
      prepared.push(prepareOrigination(agent, { org: st.init.org, site: st.site, originPeerId: st.peerId, originSeq: first + ok.length, nowMs: st.nowMs }))
      ok.push(agent)
    } catch (e) {
      if (!(e instanceof AtpError)) throw e
      refused(agent, e)
    }
  }
  if (ok.length > 0) st.originSeq = first + ok.length - 1
  const routes = signOriginationBatch(st.init.org, prepared, st.components.signer, st.originCheck.hasher)
  ok.forEach((agent, i) => {
    const route = routes[i] as Route
    st.agents.set(agent.id, { agent, route })
    installLocal(st, route)
    audit(st, { kind: 'agent-originated', capability: agent.capability, org: st.init.org, agent: agent.id })
  })
}

export function armRefresh (st: SpeakerState): void {
  st.refreshRound = undefined
  setTimer(st, timerIds.refresh, st.nowMs + st.init.freshness.refreshS * 1000)
}

function originate (st: SpeakerState, agent: LocalAgent): Route {
  const originSeq = nextOriginSeq(st)
  const route = originateRoute(agent, { org: st.init.org, site: st.site, signer: st.components.signer, originSeq, nowMs: st.nowMs })
  st.originSeq = originSeq
  return route
}

function nextOriginSeq (st: SpeakerState): number {
  return Math.max(st.originSeq + 1, Math.floor(st.nowMs))
}

/** One signature per ORIGIN_BATCH_ROUTES routes; sequence numbers as one-by-one origination would give them. */
function originateBatch (st: SpeakerState, agents: readonly LocalAgent[]): Route[] {
  const first = nextOriginSeq(st)
  const prepared = agents.map((agent, i) => prepareOrigination(agent, {
    org: st.init.org, site: st.site, originPeerId: st.peerId, originSeq: first + i, nowMs: st.nowMs
  }))
  if (agents.length > 0) st.originSeq = first + agents.length - 1
  return signOriginationBatch(st.init.org, prepared, st.components.signer, st.originCheck.hasher)
}

function installLocal (st: SpeakerState, route: Route): void {
  st.locRib.set({ route, path: pathKeyOf(route), fromPeer: '', usable: true, localPref: DEFAULT_LOCAL_PREF, stale: false, suppressed: false })
}

export function sameAgent (a: LocalAgent, b: LocalAgent): boolean {
  return a.id === b.id && a.capability === b.capability && a.endpoint === b.endpoint && a.costUsd === b.costUsd &&
    a.latencyMs.p50 === b.latencyMs.p50 && a.latencyMs.p95 === b.latencyMs.p95 &&
    a.winRate.wins === b.winRate.wins && a.winRate.trials === b.winRate.trials && a.region === b.region &&
    a.tags.length === b.tags.length && a.tags.every((t, i) => t === b.tags[i])
}
