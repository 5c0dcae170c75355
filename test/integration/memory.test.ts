// Shared CRDT memory across real atpd processes: two member orgs behind a reflector,
// and a third org on the same reflector that is not a member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFederation, type Federation } from '../../daemon/launcher/federation.ts'
import { ApiError } from '../../daemon/launcher/federation-api.ts'
import { waitFor } from '../../daemon/launcher/wait-for.ts'

const NS = { id: 'incident-42', members: ['acme', 'globex'], writers: ['acme', 'globex'] }
const memory = { memory: { namespaces: [NS] } }

interface EntryJson { value: unknown, provenance: { org: string, peerId: string, seq: number, vectorClock: Record<string, number>, signatureValid: boolean, at: string } }
interface NsJson { entries: Record<string, unknown>, stateHash: string }

describe('memory across a federation', () => {
  let fed: Federation
  const hash = async (site: string): Promise<string> => (await fed.api<NsJson>(site, `/v1/memory/${NS.id}`)).stateHash

  beforeAll(async () => {
    fed = await startFederation({
      sites: {
        rr: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { acme: 'client', globex: 'client', initech: 'client' }, extra: memory },
        acme: { role: 'peer', org: 'acme', neighbors: { rr: 'reflector' }, extra: memory },
        globex: { role: 'peer', org: 'globex', neighbors: { rr: 'reflector' }, extra: memory },
        initech: { role: 'peer', org: 'initech', neighbors: { rr: 'reflector' }, extra: memory }
      }
    })
  })

  afterAll(async () => { await fed?.stop() })

  it('a write at acme reads at globex with acme\'s provenance', async () => {
    const put = await fed.api<{ ok: boolean, seq: number }>('acme', `/v1/memory/${NS.id}/entries/finding`, { method: 'PUT', body: { value: { sev: 'high' } } })
    expect(put).toMatchObject({ ok: true, seq: 1 })
    const got = await waitFor(async () => await fed.api<EntryJson>('globex', `/v1/memory/${NS.id}/entries/finding`).catch(() => undefined), { what: 'entry at globex' })
    expect(got.value).toEqual({ sev: 'high' })
    expect(got.provenance).toMatchObject({ org: 'acme', peerId: fed.site('acme').peerId, seq: 1, signatureValid: true })
  })

  it('concurrent writes to one key and one text converge everywhere, history shows both', async () => {
    await Promise.all([
      fed.api('acme', `/v1/memory/${NS.id}/entries/owner`, { method: 'PUT', body: { value: 'alice@acme' } }),
      fed.api('globex', `/v1/memory/${NS.id}/entries/owner`, { method: 'PUT', body: { value: 'bob@globex' } }),
      fed.api('acme', `/v1/memory/${NS.id}/texts/notes`, { method: 'POST', body: { edits: [{ index: 0, insert: 'acme says hi. ' }] } }),
      fed.api('globex', `/v1/memory/${NS.id}/texts/notes`, { method: 'POST', body: { edits: [{ index: 0, insert: 'globex says hi. ' }] } })
    ])
    const h = await waitFor(async () => {
      const [a, g, r] = await Promise.all([hash('acme'), hash('globex'), fed.api<{ namespaces: Array<{ stateHash: string }> }>('rr', '/v1/memory').then((x) => x.namespaces[0]?.stateHash)])
      return a === g && g === r ? a : undefined
    }, { what: 'same stateHash at acme, globex and the reflector' })
    expect(h).toMatch(/^[0-9a-f]{64}$/)
    const history = await fed.api<{ writes: EntryJson[] }>('acme', `/v1/memory/${NS.id}/entries/owner/history`)
    expect(history.writes.map((w) => w.provenance.org).sort()).toEqual(['acme', 'globex'])
    expect(await fed.api('globex', `/v1/memory/${NS.id}/entries/owner/history`)).toEqual(history)
    const text = await fed.api<{ text: string, authors: Array<{ org: string }> }>('globex', `/v1/memory/${NS.id}/texts/notes`)
    expect(text.text).toContain('acme says hi.')
    expect(text.text).toContain('globex says hi.')
    expect(new Set(text.authors.map((a) => a.org))).toEqual(new Set(['acme', 'globex']))
  })

  it('the non-member can neither read nor write nor receive', async () => {
    const denied = async (p: Promise<unknown>): Promise<number> => await p.then(() => 200, (e: unknown) => (e instanceof ApiError ? e.status : 0))
    expect(await denied(fed.api('initech', `/v1/memory/${NS.id}/entries/finding`))).toBe(403)
    expect(await denied(fed.api('initech', `/v1/memory/${NS.id}/entries/x`, { method: 'PUT', body: { value: 1 } }))).toBe(403)
    expect(await denied(fed.api('initech', '/v1/memory/no-such-ns'))).toBe(404)
    const listing = await fed.api<{ namespaces: unknown[], ignoredEnvelopes: number }>('initech', '/v1/memory')
    expect(listing).toEqual({ namespaces: [], ignoredEnvelopes: 0 })
  })

  it('restart keeps memory and provenance', async () => {
    const before = await fed.api<EntryJson>('acme', `/v1/memory/${NS.id}/entries/finding`)
    const hashBefore = await hash('acme')
    await fed.kill('acme') // SIGKILL: acknowledged writes must already be on disk
    await fed.restart('acme')
    const after = await waitFor(async () => await fed.api<EntryJson>('acme', `/v1/memory/${NS.id}/entries/finding`).catch(() => undefined), { what: 'acme memory after restart' })
    expect(after).toEqual(before)
    expect(await hash('acme')).toBe(hashBefore)
    // a write after restart (new epoch, new clientID) still reaches globex
    await fed.api('acme', `/v1/memory/${NS.id}/entries/after-restart`, { method: 'PUT', body: { value: true } })
    await waitFor(async () => await fed.api<EntryJson>('globex', `/v1/memory/${NS.id}/entries/after-restart`).catch(() => undefined), { what: 'post-restart write at globex' })
  })

  it('a member that was away converges when it comes back', async () => {
    await fed.kill('globex')
    await fed.api('acme', `/v1/memory/${NS.id}/entries/while-away`, { method: 'PUT', body: { value: 42 } })
    await fed.api('acme', `/v1/memory/${NS.id}/texts/notes`, { method: 'POST', body: { edits: [{ index: 0, insert: '[away] ' }] } })
    await fed.restart('globex')
    await waitFor(async () => {
      const [a, g] = await Promise.all([hash('acme'), hash('globex').catch(() => undefined)])
      return a === g
    }, { what: 'globex converged after coming back' })
    const got = await fed.api<EntryJson>('globex', `/v1/memory/${NS.id}/entries/while-away`)
    expect(got).toMatchObject({ value: 42, provenance: { org: 'acme' } })
  })
})
