/**
 * What of a topology the real daemons can be told, and when. Emulation drives atpd
 * only through what an operator has: its config, its HTTP API and its process.
 *
 *   announce / withdraw / update → PUT / DELETE /v1/agents/:id
 *   crash / restart              → SIGKILL / start again on the same data dir
 *   partition / heal             → refused: cutting one libp2p session between two
 *                                  live processes is not something atpd can be told
 *
 * Events keep their order and relative spacing, compressed so that the last one is at
 * most EVENT_SPAN_MS after the start (a 3600 s scenario cannot run in wall time).
 */
import type { SimTopology } from '../topology/model.ts'
import type { ScenarioEvent } from '../topology/schema.ts'
import { EmulationRefusedError } from './errors.ts'

/** Processes on one machine: each atpd costs ~2 CPU-seconds to start and ~150 MB. */
export const MAX_EMULATED_NODES = 20
/** Wall time over which the topology's events are spread at most. */
export const EVENT_SPAN_MS = 10_000

const UNSUPPORTED: ReadonlySet<ScenarioEvent['type']> = new Set(['partition', 'heal'])

export interface ScheduledEvent {
  /** Wall ms after the federation is up (sessions established, agents registered). */
  readonly atMs: number
  readonly event: ScenarioEvent
}

/** Throws EmulationRefusedError naming every reason the topology cannot be emulated. */
export function checkEmulatable (topology: SimTopology): void {
  const problems: string[] = []
  const n = topology.nodes.length
  if (n > MAX_EMULATED_NODES) {
    problems.push(`it has ${n} nodes; emulation runs at most ${MAX_EMULATED_NODES} real atpd processes (simulate it without --emulate)`)
  }
  for (const e of topology.events) {
    if (UNSUPPORTED.has(e.type)) {
      problems.push(`events[${e.index}] (${e.type} at ${e.atS} s): a partition of one session cannot be applied to real daemons through their API; remove partition/heal events to emulate`)
    }
  }
  if (topology.memory !== undefined) {
    problems.push('it declares memory: memory is simulated only (its writers have no counterpart in the emulator); remove `memory:` to emulate the routing')
  }
  if (problems.length > 0) throw new EmulationRefusedError(`cannot emulate this topology:\n  ${problems.join('\n  ')}`)
}

/** The events at compressed wall times (order kept; equal times keep file order). */
export function scheduleEvents (topology: SimTopology, spanMs = EVENT_SPAN_MS): ScheduledEvent[] {
  const lastMs = topology.events.reduce((m, e) => Math.max(m, e.atS * 1000), 0)
  const scale = lastMs > spanMs ? spanMs / lastMs : 1
  return topology.events.map((event) => ({ atMs: Math.round(event.atS * 1000 * scale), event }))
}
