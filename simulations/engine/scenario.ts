/**
 * Scenario events (the topology's `events:`) applied to a running simulation. Agent
 * changes become the same inputs the daemon's API produces (agent-upsert/remove);
 * partitions, crashes and restarts act on the network and the node lifecycle.
 */
import type { LocalAgent } from '../../reflector/index.ts'
import type { ScenarioEvent } from '../topology/schema.ts'
import type { NodeRuntime } from './types.ts'

export interface ScenarioTarget {
  readonly nodes: ReadonlyMap<string, NodeRuntime>
  readonly network: {
    partition (a: string, b: string): boolean
    heal (a: string, b: string): void
  }
  notifyDown (node: string, peer: string, reason: string, atMs: number): void
  crash (node: NodeRuntime): void
  restart (node: NodeRuntime): void
  upsertAgent (node: NodeRuntime, agent: LocalAgent): void
  removeAgent (node: NodeRuntime, agentId: string): void
}

export function applyScenario (sim: ScenarioTarget, e: ScenarioEvent, nowMs: number): void {
  switch (e.type) {
    case 'withdraw': {
      const node = sim.nodes.get(e.org)
      if (node === undefined || node.withdrawn.has(e.agent)) return
      node.withdrawn.add(e.agent)
      sim.removeAgent(node, e.agent)
      return
    }
    case 'announce': {
      const node = sim.nodes.get(e.org)
      const agent = node?.agents.get(e.agent)
      if (node === undefined || agent === undefined) return
      node.withdrawn.delete(e.agent)
      sim.upsertAgent(node, agent)
      return
    }
    case 'update': {
      const node = sim.nodes.get(e.org)
      const agent = node?.agents.get(e.agent)
      if (node === undefined || agent === undefined) return
      const next: LocalAgent = { ...agent, ...e.set }
      node.agents.set(e.agent, next)
      // A withdrawn agent keeps its new configuration for the next announce.
      if (!node.withdrawn.has(e.agent)) sim.upsertAgent(node, next)
      return
    }
    case 'partition':
      // Both ends see the transport fail at once (a cut cable, as far as they can tell).
      if (sim.network.partition(e.a, e.b)) {
        sim.notifyDown(e.a, e.b, 'partition', nowMs)
        sim.notifyDown(e.b, e.a, 'partition', nowMs)
      }
      return
    case 'heal':
      // Speakers redial on their own reconnect timers.
      sim.network.heal(e.a, e.b)
      return
    case 'crash': {
      const node = sim.nodes.get(e.node)
      if (node !== undefined) sim.crash(node)
      return
    }
    case 'restart': {
      const node = sim.nodes.get(e.node)
      if (node !== undefined) sim.restart(node)
    }
  }
}
