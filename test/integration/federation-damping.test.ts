// Route flap damping (RFC 2439) where a route enters the federation: the reflector
// damps what its client originates. A short half-life keeps suppression and reuse
// within seconds. Each flap is observed at the reflector before the next, so the
// penalty the reflector counts is the one the test made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, LONG_TEST_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const damping = { halfLifeS: 4, suppress: 2500, reuse: 800, maxSuppressS: 20, withdrawPenalty: 1000, changePenalty: 500, readvertisePenalty: 0 }

const spec: FederationSpec = {
  sites: {
    rr: { role: 'reflector', org: 'fed-ops', cluster: 'c1', damping, neighbors: { origin: 'client', observer: 'client' } },
    // mraiMs 0: every API change goes out at once, so no flap is coalesced away.
    origin: { role: 'peer', org: 'origin', mraiMs: 0, neighbors: { rr: 'reflector' } },
    observer: { role: 'peer', org: 'observer', neighbors: { rr: 'reflector' } }
  }
}

const MAX_FLAPS = 8

describe('federation: damping at the reflector', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(['rr', 'origin', 'observer'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('suppresses a fast-flapping agent, stops reflecting it, and brings it back at reuse; a chatty in-band agent is never suppressed', async () => {
    const flapper = { id: 'flapper', capability: 'summarize', costUsd: 0.2 }
    const steady = { id: 'steady', capability: 'summarize', costUsd: 0.4 }
    await fed.putAgent('origin', flapper)
    await fed.putAgent('origin', steady)
    await fed.waitForRoute('observer', (r) => r.agent === 'flapper')
    await fed.waitForRoute('observer', (r) => r.agent === 'steady')

    let flaps = 0
    for (; flaps < MAX_FLAPS; flaps++) {
      await fed.deleteAgent('origin', 'flapper')
      await fed.waitForRoutes('rr', (rs) => !rs.some((r) => r.agent === 'flapper'), { what: 'flapper withdrawn at rr' })
      await fed.putAgent('origin', flapper)
      const back = await fed.waitForRoute('rr', (r) => r.agent === 'flapper', { what: 'flapper re-advertised at rr' })
      if (back.state === 'suppressed') break
    }
    // Withdrawals of 1000 each, minus a few seconds of decay: suppressed on the 3rd or 4th
    // flap (the 5th at worst on a loaded machine).
    expect(flaps).toBeLessThan(5)
    const suppressed = (await fed.routes('rr')).find((r) => r.agent === 'flapper')
    expect(suppressed).toMatchObject({ state: 'suppressed', usable: false, best: false })
    expect(suppressed!.penalty).toBeGreaterThan(damping.reuse)
    await fed.waitForAudit('rr', (e) => e.kind === 'route-suppressed' && e.agent === 'flapper')

    // Not reflected: a marker sent after it reaches the observer, the flapper does not.
    await fed.putAgent('origin', { id: 'marker', capability: 'summarize' })
    await fed.waitForRoute('observer', (r) => r.agent === 'marker')
    expect((await fed.routes('observer')).filter((r) => r.agent === 'flapper')).toEqual([])
    expect((await fed.routes('rr')).find((r) => r.agent === 'flapper')?.state).toBe('suppressed')

    // Meanwhile the steady agent refreshes its metrics inside the hysteresis band
    // (cost ±5 % < costRel 10 %), many times: never a penalty.
    for (let i = 1; i <= 12; i++) {
      const costUsd = i % 2 === 1 ? 0.42 : 0.4
      await fed.putAgent('origin', { ...steady, costUsd })
      const seen = await fed.waitForRoute('rr', (r) => r.agent === 'steady' && r.costUsd === costUsd, { what: `steady refresh ${i}` })
      expect(seen.state).toBe('active')
      expect(seen.penalty).toBe(0)
    }
    const steadyAtObserver = await fed.waitForRoute('observer', (r) => r.agent === 'steady' && r.costUsd === 0.4)
    expect(steadyAtObserver.state).toBe('active')

    // Reuse: penalty decays below 800 (a few half-lives), the reflector reflects it again.
    const reused = await fed.waitForRoute('rr', (r) => r.agent === 'flapper' && r.state === 'active', { what: 'flapper reused', timeoutMs: 30_000 })
    expect(reused.penalty).toBeLessThanOrEqual(damping.reuse)
    const atObserver = await fed.waitForRoute('observer', (r) => r.agent === 'flapper', { what: 'flapper reflected again' })
    expect(atObserver.state).toBe('active')
    await fed.waitForAudit('rr', (e) => e.kind === 'route-reused' && e.agent === 'flapper')
    expect((await fed.auditEvents('rr')).filter((e) => e.kind === 'route-suppressed' && e.agent === 'steady')).toEqual([])
  }, LONG_TEST_TIMEOUT_MS)
})
