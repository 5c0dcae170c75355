// Export policy by neighbor role (RFC 9234's idea): a, m and b federate directly
// (partner sessions a–m and m–b). What m learns from partner a never reaches partner b,
// until m's operator adds an export rule (and restarts m with it); then exactly what
// the rule allows does, with m on the org path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const spec: FederationSpec = {
  sites: {
    a: {
      role: 'peer', org: 'a', neighbors: { m: 'partner' },
      agents: [{ id: 'a-summarizer', capability: 'summarize' }, { id: 'a-reviewer', capability: 'code-review/python' }]
    },
    m: { role: 'peer', org: 'm', neighbors: { a: 'partner', b: 'partner' }, agents: [{ id: 'm-own', capability: 'summarize' }] },
    b: { role: 'peer', org: 'b', neighbors: { m: 'partner' } }
  }
}

const allowSummarizeToB = { name: 'a-to-b', capability: 'summarize', learnedFromRole: ['partner'], neighborOrg: ['b'], action: 'accept' }

describe('federation: export policy between partners', () => {
  let fed: Federation

  beforeAll(async () => {
    fed = await startFederation(spec)
    await Promise.all(['a', 'm', 'b'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => { await fed?.stop() })

  it('does not pass partner a\'s routes to partner b without a rule', async () => {
    const learned = await fed.waitForRoutes('m', (rs) => rs.filter((r) => r.org === 'a').length === 2, { what: 'both of a\'s routes at m' })
    expect(learned.find((r) => r.agent === 'a-summarizer')?.path).toEqual(['a'])
    // Positive control over the same session, sent after m knew a's routes.
    await fed.putAgent('m', { id: 'm-later', capability: 'summarize' })
    const control = await fed.waitForRoute('b', (r) => r.agent === 'm-later')
    expect(control.path).toEqual(['m'])

    const atB = await fed.routes('b')
    expect(atB.filter((r) => r.org === 'a')).toEqual([])
    expect(atB.map((r) => r.agent).sort()).toEqual(['m-later', 'm-own'])
    expect((await fed.auditEvents('b')).filter((e) => e.org === 'a')).toEqual([])
    expect((await fed.peers('m')).find((p) => p.org === 'b')?.routesSent).toBe(2)
    // And b cannot resolve a's reviewer at all.
    await expect(fed.resolve('b', 'code-review/python')).rejects.toMatchObject({ status: 404 })
  })

  it('passes them when an export rule at m allows it, and only what the rule allows', async () => {
    await fed.reconfigure('m', { policy: { import: [], export: [allowSummarizeToB] } })
    await fed.waitEstablished('m')
    const leaked = await fed.waitForRoute('b', (r) => r.agent === 'a-summarizer', { what: 'a\'s summarizer through m' })
    expect(leaked.org).toBe('a')
    expect(leaked.path).toEqual(['m', 'a'])
    expect(leaked.fromPeer).toBe(fed.site('m').peerId)
    const resolved = await fed.resolve('b', 'summarize')
    expect(resolved.candidates.map((c) => `${c.org}/${c.agent}`).sort()).toEqual(['a/a-summarizer', 'm/m-later', 'm/m-own'])

    // A later route from a: once it is at b, a's code-review route would have been too.
    await fed.putAgent('a', { id: 'a-summarizer-2', capability: 'summarize' })
    await fed.waitForRoute('b', (r) => r.agent === 'a-summarizer-2')
    expect((await fed.routes('b')).filter((r) => r.capability.startsWith('code-review'))).toEqual([])
  })
})
