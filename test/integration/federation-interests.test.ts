// Interests (RFC 4684's idea): a client that announced ["summarize"] gets only
// summarize routes from its reflector; a client with no interests gets everything.
// The reader client is sampled for the whole test, so a code-review route that shows
// up even briefly is caught.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FEDERATION_HOOK_TIMEOUT_MS, startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import type { FederationSpec } from '../../daemon/launcher/federation-config.ts'

const spec: FederationSpec = {
  sites: {
    rr: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { seller: 'client', reader: 'client', omnivore: 'client' } },
    seller: {
      role: 'peer', org: 'seller', neighbors: { rr: 'reflector' },
      agents: [{ id: 'py-reviewer', capability: 'code-review/python' }, { id: 'summarizer', capability: 'summarize' }]
    },
    reader: { role: 'peer', org: 'reader', interests: ['summarize'], neighbors: { rr: 'reflector' } },
    omnivore: { role: 'peer', org: 'omnivore', neighbors: { rr: 'reflector' } }
  }
}

describe('federation: interests', () => {
  let fed: Federation
  const seenAtReader = new Set<string>()
  let sampler: NodeJS.Timeout | undefined

  beforeAll(async () => {
    fed = await startFederation(spec)
    // Sample the reader's routes from its first session on, not just at the end.
    sampler = setInterval(() => {
      fed.routes('reader').then((rs) => { for (const r of rs) seenAtReader.add(r.capability) }, () => {})
    }, 100)
    await Promise.all(['rr', 'seller', 'reader', 'omnivore'].map(async (s) => await fed.waitEstablished(s)))
  }, FEDERATION_HOOK_TIMEOUT_MS)

  afterAll(async () => {
    clearInterval(sampler)
    await fed?.stop()
  })

  it('tells the reflector what each client wants', async () => {
    const peers = await fed.peers('rr')
    const interests = Object.fromEntries(peers.map((p) => [p.org, p.interests]))
    expect(interests).toEqual({ seller: [], reader: ['summarize'], omnivore: [] })
  })

  it('sends a summarize-only client no code-review route, ever; a client without interests gets both', async () => {
    await fed.waitForRoute('omnivore', (r) => r.agent === 'py-reviewer')
    await fed.waitForRoute('omnivore', (r) => r.agent === 'summarizer')
    await fed.waitForRoute('reader', (r) => r.agent === 'summarizer')

    // New code-review agents elsewhere, then a summarize agent after them: once the
    // reader has the last one, everything sent before it has arrived too.
    await fed.putAgent('seller', { id: 'go-reviewer', capability: 'code-review/go' })
    await fed.putAgent('omnivore', { id: 'omni-reviewer', capability: 'code-review/python/security' })
    await fed.putAgent('seller', { id: 'summarizer-2', capability: 'summarize/long' })
    await fed.waitForRoute('omnivore', (r) => r.agent === 'go-reviewer')
    await fed.waitForRoute('seller', (r) => r.agent === 'omni-reviewer')
    await fed.waitForRoute('reader', (r) => r.agent === 'summarizer-2')

    const atReader = await fed.routes('reader')
    expect(atReader.map((r) => `${r.capability}|${r.agent}`).sort()).toEqual(['summarize/long|summarizer-2', 'summarize|summarizer'])
    expect([...seenAtReader].filter((c) => c.startsWith('code-review'))).toEqual([])
    expect(seenAtReader.has('summarize')).toBe(true) // the sampler did see the reader's table

    const everything = ['go-reviewer', 'omni-reviewer', 'py-reviewer', 'summarizer', 'summarizer-2']
    const atOmnivore = await fed.waitForRoutes('omnivore', (rs) => rs.length === everything.length, { what: 'every route at omnivore' })
    expect(atOmnivore.map((r) => r.agent).sort()).toEqual(everything)
    const toReader = (await fed.peers('rr')).find((p) => p.org === 'reader')
    expect(toReader?.routesSent).toBe(2)
  })
})
