// The memory routes (docs/api.md) through the real API server (error handler
// included) over a real MemoryService on a temp level dir: 404 / 403 / 400 semantics.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../kernel/ports.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { MemoryService } from '../../../daemon/memory/memory-service.ts'
import { MemoryStore } from '../../../daemon/memory/memory-store.ts'
import { memoryRoutes } from '../../../daemon/memory/memory-routes.ts'
import { NodeStore } from '../../../daemon/store/index.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'
import { fakeSigner, fakeVerifier } from '../../helpers/fixtures.ts'

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0)
const NAMESPACES = [
  { id: 'shared', members: ['acme', 'globex'], writers: ['acme', 'globex'] },
  { id: 'read-only', members: ['acme', 'globex'], writers: ['globex'] },
  { id: 'foreign', members: ['globex', 'initech'], writers: ['globex'] }
]

describe('memory routes', () => {
  let dir: string
  let db: NodeStore
  let service: MemoryService
  let app: FastifyInstance

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atpd-mem-routes-'))
    db = await NodeStore.open(dir)
    service = new MemoryService(
      { signer: fakeSigner('peer-acme'), verifier: fakeVerifier, clock: { nowMs: () => NOW }, random: seededRandom(3), store: new MemoryStore(db.sublevel('memory')), log: { info: () => {}, warn: () => {} } },
      { org: 'acme', role: 'peer', namespaces: NAMESPACES, limits: { batchWindowMs: 0 } } // the clock stands still: seal at once
    )
    await service.start()
    app = await createApiServer({ facade: createFakeFacade(), plugins: [memoryRoutes(service)] })
  })
  afterEach(async () => {
    await app.close()
    await service.stop()
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const req = async (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number, body: Record<string, unknown> }> => {
    const r = await app.inject({ method, url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
    return { status: r.statusCode, body: r.json<Record<string, unknown>>() }
  }

  it('PUT → { ok, seq } once durable; GET with provenance; history; the namespace with its stateHash', async () => {
    expect(await req('PUT', '/v1/memory/shared/entries/finding', { value: { sev: 'high' } })).toEqual({ status: 200, body: { ok: true, seq: 1 } })
    expect(await req('PUT', '/v1/memory/shared/entries/finding', { value: null })).toEqual({ status: 200, body: { ok: true, seq: 2 } })
    const got = await req('GET', '/v1/memory/shared/entries/finding')
    expect(got.status).toBe(200)
    expect(got.body).toMatchObject({
      value: null,
      provenance: { org: 'acme', peerId: 'peer-acme', seq: 2, vectorClock: { 'peer-acme/1': 2 }, signatureValid: true, at: new Date(NOW).toISOString() }
    })
    const history = await req('GET', '/v1/memory/shared/entries/finding/history')
    expect((history.body.writes as Array<{ value: unknown, provenance: { seq: number } }>).map((w) => [w.value, w.provenance.seq])).toEqual([[{ sev: 'high' }, 1], [null, 2]])
    const ns = await req('GET', '/v1/memory/shared')
    expect(ns.body).toMatchObject({ entries: { finding: null }, texts: [], vectorClock: { 'peer-acme/1': 2 } })
    expect(ns.body.stateHash).toMatch(/^[0-9a-f]{64}$/)
    expect(await req('DELETE', '/v1/memory/shared/entries/finding')).toEqual({ status: 200, body: { ok: true, seq: 3 } })
    expect((await req('GET', '/v1/memory/shared/entries/finding')).status).toBe(404)
  })

  it('texts: POST edits then GET text and authors', async () => {
    expect((await req('POST', '/v1/memory/shared/texts/notes', { edits: [{ index: 0, insert: 'hello world' }] })).status).toBe(200)
    expect((await req('POST', '/v1/memory/shared/texts/notes', { edits: [{ index: 0, delete: 6 }, { index: 0, insert: 'bye ' }] })).status).toBe(200)
    expect(await req('GET', '/v1/memory/shared/texts/notes')).toEqual({ status: 200, body: { text: 'bye world', authors: [{ from: 0, to: 9, org: 'acme', peerId: 'peer-acme' }] } })
  })

  it('404: a namespace not in the config, an absent entry, an absent entry to delete', async () => {
    for (const [method, url, body] of [
      ['GET', '/v1/memory/nope'], ['GET', '/v1/memory/nope/entries/k'], ['PUT', '/v1/memory/nope/entries/k', { value: 1 }],
      ['GET', '/v1/memory/nope/texts/t'], ['POST', '/v1/memory/nope/texts/t', { edits: [{ index: 0, insert: 'x' }] }]
    ] as const) {
      const r = await req(method, url, body)
      expect(r.status, `${method} ${url}`).toBe(404)
      expect(r.body).toMatchObject({ statusCode: 404, code: 'ERR_MEMORY_UNKNOWN_NAMESPACE' })
    }
    expect((await req('GET', '/v1/memory/shared/entries/absent')).body).toMatchObject({ statusCode: 404, code: 'ERR_MEMORY_NO_ENTRY' })
    expect((await req('DELETE', '/v1/memory/shared/entries/absent')).body).toMatchObject({ statusCode: 404, code: 'ERR_MEMORY_NO_ENTRY' })
  })

  it('403 with a message: a namespace our org is not a member of (though configured), a write without the right', async () => {
    for (const [method, url, body] of [
      ['GET', '/v1/memory/foreign'], ['GET', '/v1/memory/foreign/entries/k'], ['GET', '/v1/memory/foreign/entries/k/history'],
      ['PUT', '/v1/memory/foreign/entries/k', { value: 1 }], ['GET', '/v1/memory/foreign/texts/t']
    ] as const) {
      const r = await req(method, url, body)
      expect(r.status, `${method} ${url}`).toBe(403)
      expect(r.body).toMatchObject({ code: 'ERR_MEMORY_FORBIDDEN', message: 'org acme is not a member of namespace foreign' })
    }
    for (const [method, url, body] of [
      ['PUT', '/v1/memory/read-only/entries/k', { value: 1 }], ['DELETE', '/v1/memory/read-only/entries/k'],
      ['POST', '/v1/memory/read-only/texts/t', { edits: [{ index: 0, insert: 'x' }] }]
    ] as const) {
      const r = await req(method, url, body)
      expect(r.status, `${method} ${url}`).toBe(403)
      expect(r.body).toMatchObject({ code: 'ERR_MEMORY_FORBIDDEN', message: 'org acme is not a writer of namespace read-only' })
    }
    // Reading a namespace we are a member of but do not write is fine.
    expect((await req('GET', '/v1/memory/read-only')).status).toBe(200)
    // The listing shows what this node holds: not the foreign namespace.
    const listing = await req('GET', '/v1/memory')
    expect((listing.body.namespaces as Array<{ id: string }>).map((n) => n.id).sort()).toEqual(['read-only', 'shared'])
  })

  it('400 for a bad body or key; nothing is written', async () => {
    const before = (await req('GET', '/v1/memory/shared')).body.stateHash
    const bad: Array<[ 'PUT' | 'POST', string, unknown ]> = [
      ['PUT', '/v1/memory/shared/entries/k', {}],
      ['PUT', '/v1/memory/shared/entries/k', { value: 1, extra: true }],
      ['PUT', '/v1/memory/shared/entries/k', { value: 'x'.repeat(70_000) }],
      ['POST', '/v1/memory/shared/texts/t', { edits: [] }],
      ['POST', '/v1/memory/shared/texts/t', { edits: [{ index: -1, insert: 'x' }] }],
      ['POST', '/v1/memory/shared/texts/t', { edits: [{ index: 5, insert: 'x' }] }],
      ['POST', '/v1/memory/shared/texts/t', { edits: [{ index: 0, delete: 3 }] }],
      ['POST', '/v1/memory/shared/texts/t', { edits: [{ index: 0 }] }]
    ]
    for (const [method, url, body] of bad) {
      const r = await req(method, url, body)
      expect(r.status, `${method} ${url.slice(0, 60)} ${JSON.stringify(body).slice(0, 60)}`).toBe(400)
      expect(typeof r.body.message).toBe('string')
    }
    // A key over 256 characters is refused (fastify answers 414 for a path parameter
    // over its maxParamLength of 100 before the schema's 400; see the report).
    const long = await req('PUT', `/v1/memory/shared/entries/${'k'.repeat(257)}`, { value: 1 })
    expect([400, 414]).toContain(long.status)
    expect((await req('GET', '/v1/memory/shared')).body).toMatchObject({ entries: {}, texts: [], stateHash: before })
    expect(await req('PUT', `/v1/memory/shared/entries/${'k'.repeat(100)}`, { value: 1 })).toEqual({ status: 200, body: { ok: true, seq: 1 } })
  })
})
