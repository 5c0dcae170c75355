/**
 * The data plane as an atpd extension: the `/atp/task/1.0.0` protocol (TaskRouter),
 * the consumer and its A2A endpoint (/a2a/<capability>), local agents from A2A cards
 * and measured metrics. docs/data-plane.md.
 */
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server'
import { DefaultRequestHandler, JsonRpcTransportHandler } from '@a2a-js/sdk/server'
import type { AtpdExtensionFactory } from '../extension.ts'
import { isMeasured, type CardAgent } from '../config/schema-agent.ts'
import { BoundedTaskStore } from '../a2a/bounded-task-store.ts'
import { ForwardingExecutor } from './a2a-executor.ts'
import { a2aRoutes, capabilityCard } from './a2a-routes.ts'
import { CongestionAdmission } from '../congestion/task-admission.ts'
import { ADMIT_ALL, type TaskAdmission } from './admission.ts'
import { AgentClients } from './agent-clients.ts'
import { CardAgents } from './card-agents.ts'
import { Consumer } from './consumer.ts'
import { MeasuredAgents } from './measured-agents.ts'
import { TaskRouter } from './task-router.ts'

/** A2A tasks the endpoint remembers for tasks/get (oldest forgotten first). */
const MAX_STORED_TASKS = 10_000

/**
 * The data plane with a given admission hook; without one, the daemon's congestion
 * windows and budgets admit (or, in a daemon without congestion control, everything).
 */
export function dataPlaneWith (given?: TaskAdmission): AtpdExtensionFactory {
  return async (ctx) => {
    const { config, logger, clock, facade, speaker, metrics, libp2p, congestion } = ctx
    const admission = given ?? (congestion === undefined
      ? ADMIT_ALL
      : new CongestionAdmission(congestion, (path) => {
        const a = speaker.routes(clock.nowMs(), path.capability).find((r) => r.route.attrs.originOrg === path.originOrg && r.route.attrs.agentId === path.agentId)?.route.attrs
        // No advertised p95 (0): no latency target of the route's own; windows.sloMs may set one.
        return a === undefined ? undefined : { p95Ms: a.latencyMs.p95 > 0 ? a.latencyMs.p95 : Infinity, tags: a.tags }
      }))
    const log = logger.child({ component: 'dataplane' })
    const nowMs = (): number => clock.nowMs()
    const cardAgents = config.agents.filter((a): a is CardAgent => 'a2a' in a)
    const cards = new CardAgents({ facade, logger: log, nowMs }, cardAgents)
    const measuredIds = new Set(config.agents.filter(isMeasured).map((a) => a.id))
    const measured = new MeasuredAgents({ facade, logger: log, nowMs }, config.damping.hysteresis, (agentId) => {
      if (measuredIds.has(agentId)) return true
      // A card agent's further routes (<id>-2 …) follow their config entry.
      return [...measuredIds].some((id) => cards.routeIds(id).includes(agentId))
    })
    const router = new TaskRouter({
      libp2p,
      forwardTarget: (q) => speaker.forwardTarget(q),
      localAgent: (id) => speaker.localAgents().find((a) => a.id === id),
      clients: new AgentClients(),
      logger: log,
      metrics,
      nowMs,
      onMeasured: (agentId, success, latencyMs) => { measured.record(agentId, success, latencyMs) },
      ...(congestion !== undefined
        ? { originLimits: { acquire: (agent, org, estimate) => congestion.originAcquire(agent, org, estimate), release: (agent, org, estimate, actual) => { congestion.originRelease(agent, org, estimate, actual) } } }
        : {})
    }, config.org, config.forwarding)
    const consumer = new Consumer({
      router,
      resolve: (q) => facade.resolve(q),
      recordOutcome: async (o) => { await facade.recordOutcome(o) },
      admission,
      metrics,
      logger: log,
      nowMs
    }, config.org, config.forwarding)
    const handler = new DefaultRequestHandler(
      capabilityCard(config.org, 'any', ''), new BoundedTaskStore(MAX_STORED_TASKS), new ForwardingExecutor(consumer)
    )
    return {
      name: 'dataplane',
      routes: [a2aRoutes({ org: config.org, jsonRpc: new JsonRpcTransportHandler(handler), legacyJsonRpc: new LegacyJsonRpcTransportHandler(handler) })],
      async start () {
        await router.start()
        cards.start()
      },
      async stop () {
        cards.stop()
        await router.stop()
      }
    }
  }
}

export const dataPlaneExtension: AtpdExtensionFactory = dataPlaneWith()
