/**
 * Speaker views → the public JSON of the API (docs/api.md). Field names here are the
 * contract; add fields, never rename.
 */
import { type BudgetView, effectiveTags, MEASURED_TAG, originSiteOf, type PathWindowView } from '../../agp/index.ts'
import type { Candidate, LocalAgent, PeerView, RouteView } from '../../reflector/index.ts'
import type { DaemonPeerView } from './facade.ts'

export interface RouteJson {
  capability: string
  org: string
  /** The origin site within `org` (the org id for a single-site org). */
  site: string
  agent: string
  path: string[]
  /** Sites of path[0]'s org the route crossed, nearest first (agp/route/site.ts). */
  sitePath: string[]
  originatorId: string
  clusterList: string[]
  costUsd: number
  latencyMs: { p50: number, p95: number }
  winRate: { wins: number, trials: number }
  region: string
  tags: string[]
  /** The origin advertises measured latency and win-rate (origin tag metrics:measured), not declared ones. */
  measured: boolean
  measuredAt: string | null
  state: RouteView['state']
  penalty: number
  best: boolean
  endpoint: string
  fromPeer: string
  localPref: number
  usable: boolean
  originSeq: number
  originPeerId: string
  originatedAt: string | null
  /** This org's congestion window on the path, once it has forwarded tasks there. */
  window?: WindowJson
}

/** Limits are null while unbounded. */
export interface WindowJson {
  tasks: number
  inFlight: number
  tokensPerMinute: number | null
  usdPerMinute: number | null
  congested: boolean
}

export interface BudgetJson {
  id: string
  usdPerDay: number | null
  usdPerMinute: number | null
  /** Spend of the current UTC day, of the last minute, and since the budget was created. */
  spentTodayUsd: number
  spentLastMinuteUsd: number
  spentTotalUsd: number
  reservedUsd: number
}

/** Finds this org's window on a path (the facade's `window`). */
export type WindowLookup = (org: string, agent: string) => PathWindowView | undefined

export interface CandidateJson extends RouteJson {
  score: number
  reason: string
}

export interface PeerJson {
  peerId: string
  org: string
  /** The neighbor's site, from its OPEN (absent until a session came up). */
  site?: string
  role: PeerView['role']
  state: PeerView['state']
  routesReceived: number
  routesSent: number
  interests: string[]
  lastError?: string
  /** When the session reached Established (epoch ms); absent while it is down. */
  establishedAtMs?: number
  /** Remote multiaddrs of the open connections to this peer; absent when the daemon does not know them. */
  addresses?: string[]
}

/** Epoch ms → ISO-8601; null when the time is not a valid date. */
export function isoTime (ms: number): string | null {
  const d = new Date(ms)
  return Number.isFinite(d.getTime()) ? d.toISOString() : null
}

export function toWindowJson (w: PathWindowView): WindowJson {
  return { tasks: w.tasks, inFlight: w.inFlight, tokensPerMinute: w.tokensPerMinute, usdPerMinute: w.usdPerMinute, congested: w.congested }
}

export function toBudgetJson (b: BudgetView): BudgetJson {
  return {
    id: b.id,
    usdPerDay: b.usdPerDay,
    usdPerMinute: b.usdPerMinute,
    spentTodayUsd: b.spentTodayUsd,
    spentLastMinuteUsd: b.spentLastMinuteUsd,
    spentTotalUsd: b.spentTotalUsd,
    reservedUsd: b.reservedUsd
  }
}

export function toRouteJson (view: RouteView, windowOf?: WindowLookup): RouteJson {
  const a = view.route.attrs
  const w = windowOf?.(a.originOrg, a.agentId)
  return {
    capability: a.capability,
    org: a.originOrg,
    site: originSiteOf(a),
    agent: a.agentId,
    path: [...view.route.orgPath],
    sitePath: [...view.route.sitePath],
    originatorId: view.route.originatorId,
    clusterList: [...view.route.clusterList],
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region,
    tags: [...effectiveTags(view.route)],
    measured: a.tags.includes(MEASURED_TAG),
    measuredAt: isoTime(a.winRate.measuredAtMs),
    state: view.state,
    penalty: view.penalty,
    best: view.best,
    endpoint: a.endpoint,
    fromPeer: view.fromPeer,
    localPref: view.localPref,
    usable: view.usable,
    originSeq: a.originSeq,
    originPeerId: a.originPeerId,
    originatedAt: isoTime(a.originatedAtMs),
    ...(w !== undefined ? { window: toWindowJson(w) } : {})
  }
}

export function toCandidateJson (c: Candidate, windowOf?: WindowLookup): CandidateJson {
  return { ...toRouteJson(c.view, windowOf), score: c.score, reason: c.reason }
}

export function toPeerJson (p: DaemonPeerView): PeerJson {
  return {
    peerId: p.peerId,
    org: p.org,
    ...(p.site !== undefined ? { site: p.site } : {}),
    role: p.role,
    state: p.state,
    routesReceived: p.routesReceived,
    routesSent: p.routesSent,
    interests: [...p.interests],
    ...(p.lastError !== undefined ? { lastError: p.lastError } : {}),
    ...(p.establishedAtMs !== undefined ? { establishedAtMs: p.establishedAtMs } : {}),
    ...(p.addresses !== undefined ? { addresses: [...p.addresses] } : {})
  }
}

export function toAgentJson (a: LocalAgent): LocalAgent {
  return {
    id: a.id,
    capability: a.capability,
    endpoint: a.endpoint,
    costUsd: a.costUsd,
    latencyMs: { p50: a.latencyMs.p50, p95: a.latencyMs.p95 },
    winRate: { wins: a.winRate.wins, trials: a.winRate.trials },
    region: a.region,
    tags: [...a.tags]
  }
}
