// The Adj-RIB-In journal is what the daemon's store follows instead of rescanning the
// table: applied in order, the changes it hands out must rebuild exactly the table,
// whatever mix of sets, capability moves, withdrawals, graceful-restart flushes and
// session clears happened between two takes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AdjRibIn } from '../../../agp/rib/adj-rib-in.ts'
import { pathKeyOf } from '../../../agp/rib/keys.ts'
import { originateRoute } from '../../../agp/route/originate.ts'
import type { Route } from '../../../agp/route/route.ts'
import { fakeSigner } from '../../helpers/fixtures.ts'
import { agent } from '../../helpers/speaker-harness.ts'

const numRuns = Number(process.env.FUZZ_RUNS ?? 100)
const signer = fakeSigner('peer-acme')

const route = (id: number, cap: number, seq: number): Route =>
  originateRoute(agent(`a${id}`, `cap-${cap}`), { org: 'acme', signer, originSeq: seq, nowMs: 5 })

const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: fc.nat({ max: 7 }), cap: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('stale' as const) }),
  fc.record({ kind: fc.constant('flush' as const) }),
  fc.record({ kind: fc.constant('clear' as const) }),
  fc.record({ kind: fc.constant('take' as const) })
)

/** The copy a store would hold, keyed as the daemon keys it: capability and path. */
type Copy = Map<string, number>

function apply (copy: Copy, rib: AdjRibIn): void {
  const c = rib.takeChanges()
  if (c === undefined) {
    copy.clear()
    for (const r of rib.values()) copy.set(`${r.attrs.capability} ${pathKeyOf(r)}`, r.attrs.originSeq)
    return
  }
  for (const d of c.deletes) copy.delete(`${d.capability} ${d.path}`)
  for (const r of c.upserts) copy.set(`${r.attrs.capability} ${pathKeyOf(r)}`, r.attrs.originSeq)
}

describe('Adj-RIB-In journal', () => {
  it('changes taken in order rebuild the table exactly', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const rib = new AdjRibIn('p', 100)
      const copy: Copy = new Map()
      let seq = 1
      apply(copy, rib) // the first take turns the journal on
      for (const o of ops) {
        if (o.kind === 'set') rib.set(route(o.id, o.cap, seq++))
        else if (o.kind === 'delete') rib.delete(`acme/a${o.id}`)
        else if (o.kind === 'stale') rib.markAllStale()
        else if (o.kind === 'flush') rib.flushStale()
        else if (o.kind === 'clear') rib.clear()
        else apply(copy, rib)
      }
      apply(copy, rib)
      const table = new Map([...rib.values()].map((r) => [`${r.attrs.capability} ${pathKeyOf(r)}`, r.attrs.originSeq]))
      expect(copy).toEqual(table)
      // Nothing pending after a take.
      expect(rib.takeChanges()).toEqual({ upserts: [], deletes: [] })
    }), { numRuns })
  })

  it('costs nothing until someone takes: no journal is kept before the first take', () => {
    const rib = new AdjRibIn('p', 100)
    for (let i = 0; i < 5; i++) rib.set(route(i, 0, i + 1))
    expect(rib.takeChanges()).toBeUndefined()
    expect(rib.takeChanges()).toEqual({ upserts: [], deletes: [] })
  })
})
