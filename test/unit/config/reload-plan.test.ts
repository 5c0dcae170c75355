import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../daemon/config/load.ts'
import { planReload } from '../../../daemon/config/reload-plan.ts'
import type { SiteConfig } from '../../../daemon/config/schema.ts'

const RR = '12D3KooWPpss4pH6bCG2hqxCkDLLNjw8MfiPc9zAm9nS9LmWsfsL'
const OTHER = '12D3KooWSpCu2RzmAhaDrrwBtFiHKDDQtnspQbP1dUyF8ND4tYrB'

function site (neighbors: string, head = 'org: acme\nrole: peer\n'): SiteConfig {
  return parseConfig(`${head}dataDir: /var/lib/atp\nneighbors:\n${neighbors}`, 'site.yaml')
}

const rr = `  - { peer: "${RR}", addrs: ["/ip4/127.0.0.1/tcp/4100"], org: rr, role: reflector }\n`
const other = `  - { peer: "${OTHER}", addrs: ["/ip4/127.0.0.1/tcp/4200"], org: globex, role: partner }\n`

describe('reload plan: neighbors', () => {
  it('names added, removed and changed neighbors and applies them live', () => {
    const running = site(rr)
    const added = planReload(running, site(rr + other))
    expect(added.neighbors.added.map((n) => n.peer)).toEqual([OTHER])
    expect(added.needsRestart).toEqual([])
    const removed = planReload(site(rr + other), site(other))
    expect(removed.neighbors.removed).toEqual([RR])
    const changed = planReload(running, site(rr.replace('tcp/4100', 'tcp/4101')))
    expect(changed.neighbors.changed.map((n) => n.addrs)).toEqual([['/ip4/127.0.0.1/tcp/4101']])
  })

  it('the same neighbors in another order change nothing', () => {
    const plan = planReload(site(rr + other), site(other + rr))
    expect(plan.neighbors).toEqual({ added: [], removed: [], changed: [] })
    expect(plan.needsRestart).toEqual([])
  })

  it('with the node\'s own identity changed, the neighbor list waits for the restart too', () => {
    const plan = planReload(site(rr), site(rr + other, 'org: acme\nsite: eu\nrole: peer\n'))
    expect(plan.neighbors).toEqual({ added: [], removed: [], changed: [] })
    expect(plan.needsRestart).toEqual(['neighbors', 'site'])
  })
})
