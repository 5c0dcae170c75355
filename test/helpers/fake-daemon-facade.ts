/**
 * An in-memory DaemonFacade for tests of HTTP handling (API and CLI). It records
 * calls so tests can assert what reached the daemon.
 */
import type { DaemonFacade, DaemonPeerView, HealthView } from '../../daemon/api/facade.ts'
import type { Candidate, LocalAgent, Outcome, ResolveQuery, ResolveResult, RouteView } from '../../reflector/types.ts'
import { makeRoute } from './fixtures.ts'

export const MEASURED_AT_MS = Date.UTC(2026, 10, 1, 12, 0, 0)

export function fakeRouteView (overrides: { capability?: string, org?: string, agent?: string, costUsd?: number, best?: boolean } = {}): RouteView {
  const org = overrides.org ?? 'acme'
  return {
    route: makeRoute({
      capability: overrides.capability ?? 'code-review/python',
      originOrg: org,
      agentId: overrides.agent ?? 'rev',
      costUsd: overrides.costUsd ?? 0.4,
      originatedAtMs: MEASURED_AT_MS,
      winRate: { measuredAtMs: MEASURED_AT_MS }
    }, { orgPath: ['rr', org], originatorId: '12D3KooWorigin', clusterList: ['c1'], pathTags: ['partner-a'] }),
    fromPeer: '12D3KooWfrom',
    state: 'active',
    penalty: 0,
    usable: true,
    best: overrides.best ?? true,
    localPref: 100
  }
}

export interface FakeFacade extends DaemonFacade {
  /** Outcomes that reached the daemon (an agent named 'unknown' is refused as an unknown path). */
  readonly reported: Outcome[]
  readonly queries: ResolveQuery[]
  readonly agentMap: Map<string, LocalAgent>
  ok: boolean
  interests: string[]
  routeViews: RouteView[]
  peerViews: DaemonPeerView[]
}

export function createFakeFacade (): FakeFacade {
  const agentMap = new Map<string, LocalAgent>()
  const outcomes: Outcome[] = []
  const queries: ResolveQuery[] = []
  const facade: FakeFacade = {
    reported: outcomes,
    queries,
    agentMap,
    ok: true,
    interests: [],
    routeViews: [
      fakeRouteView(),
      fakeRouteView({ org: 'globex', agent: 'lint', costUsd: 0.9, best: false }),
      fakeRouteView({ capability: 'summarize', org: 'initech', agent: 'sum' })
    ],
    peerViews: [{ peerId: '12D3KooWrr', org: 'rr', role: 'reflector', state: 'established', routesReceived: 3, routesSent: 1, interests: [], establishedAtMs: 1_700_000_000_000, addresses: ['/ip4/127.0.0.1/tcp/4001'] }],
    health (): HealthView { return { ok: facade.ok, org: 'acme', peerId: '12D3KooWself', role: 'peer', interests: facade.interests } },
    peers: () => facade.peerViews,
    routes: (capability) => facade.routeViews.filter((v) =>
      capability === undefined || v.route.attrs.capability === capability || v.route.attrs.capability.startsWith(`${capability}/`)),
    resolve (query): ResolveResult | undefined {
      queries.push(query)
      const matching = facade.routeViews.filter((v) => query.capability.startsWith(v.route.attrs.capability))
      if (matching.length === 0) return undefined
      const candidates: Candidate[] = matching
        .filter((v) => query.maxCostUsd === undefined || v.route.attrs.costUsd <= query.maxCostUsd)
        .slice(0, query.limit ?? 10)
        .map((view, i) => ({ view, score: 0.9 - i / 10, reason: i === 0 ? 'best' : 'global-order' }))
      return { capability: matching[0]?.route.attrs.capability ?? query.capability, candidates }
    },
    agents: () => [...agentMap.values()],
    async putAgent (agent) {
      const existed = agentMap.has(agent.id)
      agentMap.set(agent.id, agent)
      return existed ? 'updated' : 'created'
    },
    async removeAgent (id) { return agentMap.delete(id) },
    recordOutcome (o) { outcomes.push(o); return o.agent !== 'unknown' },
    outcomes () { return [] }
  }
  return facade
}
