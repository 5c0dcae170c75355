/**
 * Emulation agreement: run the topology as real daemons (emulator.ts) and compare
 * their tables with the simulated `final` (tables.ts). This is the `emulation`
 * section of the report.
 */
import type { FinalTable } from '../report/report.ts'
import type { SimTopology } from '../topology/model.ts'
import { runEmulation, type EmulateOptions } from './emulator.ts'
import { compareFinal, type EmulationDifference } from './tables.ts'

export interface EmulationReport {
  readonly nodes: number
  readonly agreed: boolean
  readonly differences: readonly EmulationDifference[]
}

export interface EmulationOutcome {
  readonly report: EmulationReport
  /** The emulated tables, in the `final` shape. */
  readonly final: FinalTable
  readonly wallMs: number
}

export async function emulateAndCompare (topology: SimTopology, simulatedFinal: FinalTable, options: EmulateOptions): Promise<EmulationOutcome> {
  const run = await runEmulation(topology, options)
  const differences = compareFinal(simulatedFinal, run.final, run.scores)
  return {
    report: { nodes: topology.nodes.length, agreed: differences.length === 0, differences },
    final: run.final,
    wallMs: run.wallMs
  }
}

export { checkEmulatable, MAX_EMULATED_NODES, EVENT_SPAN_MS } from './plan.ts'
export { EmulationFailedError, EmulationRefusedError } from './errors.ts'
export type { EmulationDifference } from './tables.ts'
