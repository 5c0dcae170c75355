/**
 * Prometheus metrics of one daemon (prom-client, on a registry of its own so several
 * daemons or tests in one process never share counters). The daemon increments them
 * through the typed `Metrics` object; the API serves `render()` at GET /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { RouteState, SessionState } from '../../reflector/index.ts'

export const SESSION_STATES: readonly SessionState[] = ['idle', 'connect', 'open-sent', 'open-confirm', 'established']
export const ROUTE_STATES: readonly RouteState[] = ['active', 'suppressed', 'stale']

export type UpdateDirection = 'in' | 'out'

/** Where a task passed this daemon: it entered here, crossed, or reached its agent here. */
export type TaskRole = 'consumer' | 'transit' | 'origin'
export const TASK_ROLES: readonly TaskRole[] = ['consumer', 'transit', 'origin']

export interface BatchRefreshTotals {
  readonly originated: number
  readonly received: number
  readonly routesRestamped: number
}

export interface MetricsInit {
  /** Also export Node process metrics (CPU, memory, event loop lag). Default false. */
  readonly processMetrics?: boolean
  /** Called at every scrape to refresh the gauges (e.g. from the Speaker's views). */
  readonly collect?: () => void
}

export interface Metrics {
  readonly registry: Registry
  /** Replaces the sessions-by-state gauge with these states (one per neighbor). */
  setSessionStates (states: Iterable<SessionState>): void
  /** Replaces the routes-by-state gauge with these states (one per Loc-RIB path). */
  setRouteStates (states: Iterable<RouteState>): void
  /** UPDATE frames received ('in') or sent ('out'); `routes` counts the announces and withdraws in them. */
  updates (direction: UpdateDirection, frames?: number, routes?: number): void
  decodeError (): void
  signatureFailure (): void
  /**
   * Received routes whose origin signature checked out so far (the Speaker's running
   * total): a batch's routes count one each, though they share one ed25519 check.
   */
  setRouteSignaturesVerified (total: number): void
  /** The Speaker's running totals of batch refreshes (docs/protocol.md, "Batch refresh"). */
  setBatchRefreshTotals (totals: BatchRefreshTotals): void
  maxRoutesTrip (): void
  dampingSuppression (): void
  observeResolve (seconds: number): void
  apiRequest (method: string, route: string, status: number): void
  /** One task ended at this daemon in this role (outcome: success, failure, timeout, refused, unreachable, canceled). */
  task (role: TaskRole, outcome: string, seconds: number): void
  render (): Promise<string>
  readonly contentType: string
}

export function createMetrics (init: MetricsInit = {}): Metrics {
  const registry = new Registry()
  if (init.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'atpd_' })
  const collect = init.collect
  const sessions = new Gauge({
    name: 'atpd_sessions',
    help: 'Neighbor sessions by state',
    labelNames: ['state'] as const,
    registers: [registry],
    ...(collect !== undefined ? { collect } : {})
  })
  const routes = new Gauge({ name: 'atpd_routes', help: 'Loc-RIB paths by state', labelNames: ['state'] as const, registers: [registry] })
  const updateFrames = new Counter({ name: 'atpd_updates_total', help: 'UPDATE frames by direction', labelNames: ['direction'] as const, registers: [registry] })
  const updateRoutes = new Counter({ name: 'atpd_update_routes_total', help: 'Announces and withdraws carried in UPDATE frames, by direction', labelNames: ['direction'] as const, registers: [registry] })
  const decodeErrors = new Counter({ name: 'atpd_decode_errors_total', help: 'Frames that failed to decode', registers: [registry] })
  const signatureFailures = new Counter({ name: 'atpd_signature_failures_total', help: 'Routes (treated as withdraw) and batch refreshes (ignored) with an invalid origin signature', registers: [registry] })
  const batchRefreshes = new Counter({ name: 'atpd_batch_refreshes_total', help: 'Batch refreshes signed here (originated) and received (received)', labelNames: ['direction'] as const, registers: [registry] })
  const restampedRoutes = new Counter({ name: 'atpd_batch_refresh_routes_total', help: 'Received routes whose freshness stamp a batch refresh moved', registers: [registry] })
  const refreshSeen: { -readonly [K in keyof BatchRefreshTotals]: number } = { originated: 0, received: 0, routesRestamped: 0 }
  const verifiedRoutes = new Counter({ name: 'atpd_route_signatures_verified_total', help: 'Received routes whose origin signature verified (per route; a batch shares one ed25519 check)', registers: [registry] })
  let verifiedRoutesSeen = 0
  const maxRoutes = new Counter({ name: 'atpd_max_routes_trips_total', help: 'Sessions closed because a neighbor exceeded its max routes', registers: [registry] })
  const suppressions = new Counter({ name: 'atpd_damping_suppressions_total', help: 'Paths suppressed by flap damping', registers: [registry] })
  const resolveSeconds = new Histogram({
    name: 'atpd_resolve_duration_seconds',
    help: 'Time to answer a resolve query',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry]
  })
  const tasks = new Counter({ name: 'atpd_tasks_total', help: 'Tasks that ended at this daemon, by role and outcome', labelNames: ['role', 'outcome'] as const, registers: [registry] })
  const taskSeconds = new Histogram({
    name: 'atpd_task_duration_seconds',
    help: 'Task duration seen at this daemon, by role',
    labelNames: ['role'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry]
  })
  const apiRequests = new Counter({ name: 'atpd_api_requests_total', help: 'HTTP API requests', labelNames: ['method', 'route', 'status'] as const, registers: [registry] })

  for (const s of SESSION_STATES) sessions.set({ state: s }, 0)
  for (const s of ROUTE_STATES) routes.set({ state: s }, 0)
  for (const role of TASK_ROLES) tasks.inc({ role, outcome: 'success' }, 0)
  for (const d of ['in', 'out']) { updateFrames.inc({ direction: d }, 0); updateRoutes.inc({ direction: d }, 0) }

  return {
    registry,
    setSessionStates (states) { setCounts(sessions, SESSION_STATES, states) },
    setRouteStates (states) { setCounts(routes, ROUTE_STATES, states) },
    updates (direction, frames = 1, count = 0) {
      updateFrames.inc({ direction }, frames)
      if (count > 0) updateRoutes.inc({ direction }, count)
    },
    decodeError () { decodeErrors.inc() },
    signatureFailure () { signatureFailures.inc() },
    setRouteSignaturesVerified (total) {
      const seen = verifiedRoutesSeen
      if (total > seen) { verifiedRoutes.inc(total - seen); verifiedRoutesSeen = total }
    },
    setBatchRefreshTotals (totals) {
      // Running totals: only what is new since the last scrape is added.
      if (totals.originated > refreshSeen.originated) batchRefreshes.inc({ direction: 'originated' }, totals.originated - refreshSeen.originated)
      if (totals.received > refreshSeen.received) batchRefreshes.inc({ direction: 'received' }, totals.received - refreshSeen.received)
      if (totals.routesRestamped > refreshSeen.routesRestamped) restampedRoutes.inc(totals.routesRestamped - refreshSeen.routesRestamped)
      refreshSeen.originated = Math.max(refreshSeen.originated, totals.originated)
      refreshSeen.received = Math.max(refreshSeen.received, totals.received)
      refreshSeen.routesRestamped = Math.max(refreshSeen.routesRestamped, totals.routesRestamped)
    },
    maxRoutesTrip () { maxRoutes.inc() },
    dampingSuppression () { suppressions.inc() },
    observeResolve (seconds) { resolveSeconds.observe(seconds) },
    apiRequest (method, route, status) { apiRequests.inc({ method, route, status: String(status) }) },
    task (role, outcome, seconds) {
      tasks.inc({ role, outcome })
      taskSeconds.observe({ role }, seconds)
    },
    render: async () => await registry.metrics(),
    contentType: registry.contentType
  }
}

function setCounts<S extends string> (gauge: Gauge<'state'>, all: readonly S[], states: Iterable<S>): void {
  const counts = new Map<S, number>(all.map((s) => [s, 0]))
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1)
  for (const [state, n] of counts) gauge.set({ state }, n)
}
