/**
 * The daemon and the simulator run one driver: every simulated node's runtime is the
 * daemon's EventLoop (driver/) around its Speaker, and the daemon's SpeakerRuntime builds
 * the same class; every simulated node's memory sync machines run in the daemon's
 * MemorySyncDriver (daemon/memory/memory-transport.ts builds it too). Only the ports differ.
 */
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { SpeakerRuntime } from '../../daemon/speaker-runtime.ts'
import { EventLoop, MemorySyncDriver } from '../../driver/index.ts'
import { createSpeaker } from '../../reflector/index.ts'
import { Simulator } from '../../simulations/engine/simulator.ts'
import { MemorySim } from '../../simulations/memory/memory-sim.ts'
import { loadTopologyFile, parseTopology } from '../../simulations/topology/load.ts'

const TOPOLOGY = `
seed: 7
durationS: 100
reflectors: [{ id: rr1, cluster: c1 }]
orgs:
  - { id: acme, reflectors: [rr1], agents: [{ id: rev, capability: code-review/python, costUsd: 0.4, latencyMs: { p50: 900, p95: 2000 }, winRate: { wins: 80, trials: 100 } }] }
  - { id: globex, reflectors: [rr1] }
`

describe('one driver for the daemon and the simulator', () => {
  it('runs every simulated node on the daemon\'s EventLoop, timers and all', () => {
    const sim = new Simulator(parseTopology(TOPOLOGY), { seed: 7, mode: 'timed', createSpeaker, listener: {} })
    sim.run()
    for (const node of sim.nodes.values()) {
      expect(node.loop).toBeInstanceOf(EventLoop)
      const stats = node.loop?.stats()
      // start, agents, transport-up, frames and timer fires all went through the loop.
      expect(stats?.handled).toBeGreaterThan(10)
      expect(stats).toMatchObject({ queued: 0, errors: 0, refused: 0 })
      expect(stats?.timers).toBeGreaterThan(0) // keepalive and hold timers armed through the Scheduler port
    }
    expect(sim.nodes.get('globex')?.speaker?.resolve({ capability: 'code-review/python' }, sim.nowMs)?.candidates.length).toBe(1)
  })

  it('builds the same EventLoop class in the daemon', () => {
    const speaker = { peers: () => [] } as unknown as ConstructorParameters<typeof SpeakerRuntime>[0]['speaker']
    const runtime = new SpeakerRuntime({
      speaker,
      clock: { nowMs: () => 0 },
      libp2p: { peerId: { toString: () => 'self' } } as never,
      logger: pino({ level: 'silent' }),
      metrics: {} as never,
      audit: {} as never
    }, { neighbors: new Map(), stopTimeoutMs: 10, markDirty: () => {} })
    expect(runtime.loop).toBeInstanceOf(EventLoop)
    runtime.loop.stop()
  })

  it('runs every simulated node\'s memory sync machines in the daemon\'s MemorySyncDriver', () => {
    const topology = loadTopologyFile('examples/topologies/memory.yaml')
    const sim = new MemorySim({ ...topology, durationS: 30 }, { seed: 11, mode: 'timed' })
    sim.run()
    for (const node of sim.nodes.values()) {
      expect(node.driver).toBeInstanceOf(MemorySyncDriver)
      expect(node.driver?.machines.size).toBe(node.spec.neighbors.length)
    }
  })
})
