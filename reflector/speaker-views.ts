/**
 * Read-only views of a Speaker: peers (GET /v1/peers), routes (GET /v1/routes),
 * resolve (GET /v1/resolve) and the snapshot a driver persists.
 *
 * Resolve ranks with agp/decision's RESOLVE_STEPS: the local steps first (usable,
 * local preference, fresh before stale), then the local resolve score (advertised
 * evidence decayed by age plus this node's own outcomes), then the global order.
 * So the score decides only between candidates the local steps leave tied, and
 * `reason` names the step that placed a candidate below the one above it.
 */
import { assertCapability } from '../kernel/index.ts'
import {
  BEST_REASON, decayedPenalty, evidenceHalfLifeMs, pathKey, pathKeyOf, routePathKey, splitPathKey
} from '../agp/index.ts'
import type { PathCandidate } from '../agp/index.ts'
import { dampingKey, type SpeakerState } from './speaker-state.ts'
import type { AdjRibInDelta, Candidate, Outcome, OutcomeView, PeerView, ResolveQuery, ResolveResult, RestartState, RouteState, RouteView, SpeakerSnapshot } from './types.ts'

export function peersView (st: SpeakerState): PeerView[] {
  return [...st.neighbors.values()].map((n) => {
    const lastError = n.session.lastError ?? n.lastError
    return {
      peerId: n.config.peerId,
      org: n.config.org,
      ...(n.site === undefined ? {} : { site: n.site }),
      role: n.config.role,
      state: n.session.state,
      routesReceived: n.adjIn.size,
      routesSent: n.adjOut.size,
      interests: n.interests,
      ...(lastError === undefined ? {} : { lastError }),
      ...(n.establishedAtMs === undefined ? {} : { establishedAtMs: n.establishedAtMs })
    }
  })
}

export function routesView (st: SpeakerState, nowMs: number, capability?: string): RouteView[] {
  const out: RouteView[] = []
  for (const [, ranked] of st.locRib.capabilityPaths(capability)) {
    ranked.forEach((c, i) => out.push(viewOf(st, c, i === 0 && c.usable, nowMs)))
  }
  return out
}

/** What a Loc-RIB copy's state is called in views and metrics. */
export function routeStateOf (c: PathCandidate): RouteState {
  return c.suppressed ? 'suppressed' : c.stale ? 'stale' : 'active'
}

function viewOf (st: SpeakerState, c: PathCandidate, best: boolean, nowMs: number): RouteView {
  const d = c.fromPeer === '' || st.damping.size === 0 ? undefined : st.damping.get(dampingKey(c.fromPeer, c.path ?? pathKeyOf(c.route)))
  return {
    route: c.route,
    fromPeer: c.fromPeer,
    state: routeStateOf(c),
    penalty: d === undefined ? 0 : decayedPenalty(d.state, nowMs, st.init.damping),
    usable: c.usable,
    best,
    localPref: c.localPref
  }
}

/**
 * Longest match: the query's capability, else its nearest ancestor that holds a
 * usable path. Constraints (cost, p95 latency, region) filter that capability's
 * candidates; they do not send the lookup further up. Undefined when no ancestor
 * holds a usable path. Throws InvalidCapabilityError for a malformed query.
 *
 * The ranking is the capability's kept one (resolve-ranking.ts); constraints and the
 * limit then take a prefix of it, so only the candidates answered are rendered.
 */
export function resolveView (st: SpeakerState, query: ResolveQuery, nowMs: number): ResolveResult | undefined {
  assertCapability(query.capability)
  const segments = query.capability.split('/')
  for (let depth = segments.length; depth > 0; depth--) {
    const capability = depth === segments.length ? query.capability : segments.slice(0, depth).join('/')
    const order = st.locRib.rankedPaths(capability)
    const best = order[0]
    if (best === undefined || !best.usable) continue
    const ranked = st.resolveRanking.rank(st.locRib.capabilityKey(capability), order, {
      outcomes: st.outcomes, congestedPaths: query.congestedPaths, freshness: st.init.freshness, halfLifeMs: evidenceHalfLifeMs(st.init.freshness)
    }, nowMs)
    const limit = query.limit === undefined ? Infinity : Math.max(0, query.limit)
    const candidates: Candidate[] = []
    let above = -1
    for (let i = 0; i < ranked.length && candidates.length < limit; i++) {
      const copy = ranked.copyAt(i)
      if (!fits(copy, query)) continue
      candidates.push({
        view: viewOf(st, copy, copy === best, nowMs),
        score: ranked.scoreAt(i),
        reason: above < 0 ? BEST_REASON : ranked.reason(above, i)
      })
      above = i
      // This answer is the half-open paths' probe: the next callers see them open until
      // the outcome arrives (LocalOutcomes.takeProbe).
      if (!ranked.breakerOpenAt(i) && st.outcomes.size > 0) st.outcomes.takeProbe(ranked.keyAt(i), nowMs)
    }
    return { capability, candidates }
  }
  return undefined
}

function fits (c: PathCandidate, q: ResolveQuery): boolean {
  const a = c.route.attrs
  if (q.maxCostUsd !== undefined && !(a.costUsd <= q.maxCostUsd)) return false
  if (q.maxLatencyMs !== undefined && !(a.latencyMs.p95 <= q.maxLatencyMs)) return false
  if (q.region !== undefined && a.region !== q.region) return false
  return true
}

/**
 * Records a consumer's outcome. False (nothing recorded) when no path of that org and
 * agent for that capability is known here: evidence about a path nobody can resolve
 * would only fill the bounded table.
 */
export function recordOutcomeView (st: SpeakerState, o: Outcome, nowMs: number): boolean {
  const key = pathKey(o.org, o.agent)
  const known = st.locRib.rankedPaths(o.capability).some((c) => routePathKey(c.route) === key)
  if (!known) return false
  st.outcomes.recordOutcome(key, o.success, nowMs, { ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}), ...(o.costUsd !== undefined ? { costUsd: o.costUsd } : {}) })
  return true
}

/** What the consumer reported, per path, with each breaker's state at nowMs. */
export function outcomesView (st: SpeakerState, nowMs: number): OutcomeView[] {
  return st.outcomes.records().map((r) => {
    const { org, agent } = splitPathKey(r.key)
    const ev = st.outcomes.get(r.key, nowMs)
    return {
      org, agent, wins: ev?.wins ?? 0, trials: ev?.trials ?? 0, consecutiveFailures: r.consecutiveFailures,
      breaker: st.outcomes.breaker(r.key, nowMs),
      ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
      ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {})
    }
  })
}

export function snapshotView (st: SpeakerState): SpeakerSnapshot {
  return {
    localAgents: [...st.agents.values()].map((l) => l.agent),
    adjRibIn: [...st.neighbors.values()].filter((n) => n.adjIn.size > 0).map((n) => ({ peer: n.config.peerId, routes: [...n.adjIn.values()] })),
    ...restartStateView(st)
  }
}

export function restartStateView (st: SpeakerState): RestartState {
  return {
    damping: [...st.damping.entries()].map(([key, e]) => {
      const bar = key.lastIndexOf('|')
      return { peer: key.slice(0, bar), pathKey: key.slice(bar + 1), capability: e.capability, state: e.state }
    }),
    originSeq: st.originSeq,
    outcomes: st.outcomes.records()
  }
}

export function adjRibInDelta (st: SpeakerState): AdjRibInDelta {
  const changes: AdjRibInDelta['changes'][number][] = []
  for (const n of st.neighbors.values()) {
    const c = n.adjIn.takeChanges()
    if (c === undefined) changes.push({ peer: n.config.peerId, full: true, upserts: [...n.adjIn.values()], deletes: [] })
    else if (c.upserts.length > 0 || c.deletes.length > 0) changes.push({ peer: n.config.peerId, full: false, ...c })
  }
  return { neighbors: [...st.neighbors.keys()], changes }
}
