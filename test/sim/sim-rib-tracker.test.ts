// The Loc-RIB tracker loop-checks only the copies new to a ranking it read before: a
// loop must still be reported at every read, whether the looping copy is new, was
// already there, or comes back into a ranking that was clean.
import { describe, expect, it } from 'vitest'
import type { Route } from '../../agp/index.ts'
import type { Speaker } from '../../reflector/index.ts'
import { RibTracker } from '../../simulations/checkers/rib-tracker.ts'
import type { Violation } from '../../simulations/checkers/loops.ts'
import type { SimNodeSpec } from '../../simulations/topology/model.ts'

interface Copy { readonly route: Route, readonly fromPeer: string, readonly usable: boolean, readonly path: string }

const CAP = 'code-review'

function copy (agent: string, orgPath: readonly string[]): Copy {
  const route = {
    attrs: { capability: CAP, originOrg: 'o1', agentId: agent },
    orgPath,
    sitePath: [],
    clusterList: [],
    pathTags: [],
    originatorId: 'o1'
  } as unknown as Route
  return { route, fromPeer: 'rr1', usable: true, path: `o1/${agent}` }
}

const SPEC: SimNodeSpec = { id: 'g1', kind: 'org', interests: [], agents: [], neighbors: [] }

/** A tracker over one node whose ranking for CAP is whatever `rankings` holds at each read. */
function setup (): { tracker: RibTracker, show: (order: readonly Copy[]) => void, violations: Violation[] } {
  let current: readonly Copy[] = []
  const speaker = { rankedPaths: () => current } as unknown as Speaker
  const violations: Violation[] = []
  const tracker = new RibTracker({ nodes: new Map([['g1', { spec: SPEC, speaker }]]), quietMs: 1000, onViolation: (v) => violations.push(v) })
  let t = 0
  const show = (order: readonly Copy[]): void => {
    current = order
    tracker.markChanged('g1', CAP)
    tracker.flush(t += 10)
  }
  return { tracker, show, violations }
}

describe('RibTracker loop checks', () => {
  const clean1 = copy('a1', ['o1'])
  const clean2 = copy('a2', ['o1'])
  const clean3 = copy('a3', ['o1'])
  const looping = copy('a4', ['o1', 'o2', 'o1'])

  it('reports a looping copy new to a ranking read before', () => {
    const { show, violations } = setup()
    show([clean1, clean2])
    expect(violations).toEqual([])
    show([clean1, looping, clean2])
    expect(violations).toHaveLength(1)
    expect(violations[0]?.detail).toContain('repeats o1')
  })

  it('reports a looping copy again at every read while it stays', () => {
    const { show, violations } = setup()
    show([clean1, looping])
    show([clean1, looping, clean2])
    show([clean3, clean1, looping, clean2])
    expect(violations.map((v) => v.atMs)).toEqual([10, 20, 30])
  })

  it('checks the same ranking array read twice in full', () => {
    const { show, violations } = setup()
    const order = [clean1, looping]
    show(order)
    show(order)
    expect(violations).toHaveLength(2)
  })

  it('reports a looping copy that comes back after a clean ranking', () => {
    const { show, violations } = setup()
    show([clean1, looping])
    show([clean1])
    show([clean1, looping])
    expect(violations.map((v) => v.atMs)).toEqual([10, 30])
  })
})
