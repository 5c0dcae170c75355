/** The problems a topology file is refused with (it must be refused with a TopologyError). */
import { expect } from 'vitest'
import { TopologyError } from '../../simulations/topology/errors.ts'
import { parseTopology } from '../../simulations/topology/load.ts'

export function topologyProblems (yaml: string): string[] {
  try {
    parseTopology(yaml, 't.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError)
    return [...(err as TopologyError).problems]
  }
  throw new Error('expected a TopologyError')
}
