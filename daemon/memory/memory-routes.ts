/**
 * The memory HTTP routes (docs/api.md), as a fastify plugin over an injected service:
 * 404 for an unknown namespace, 403 (with a message) for a non-member or non-writer,
 * 400 for a bad body. Times are shown as ISO-8601 `at`.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { AtpError } from '../../kernel/index.ts'
import type { Provenance, TextEdit } from '../../crdt/index.ts'
import { clockToJSON } from '../../crdt/index.ts'
import { HttpError } from '../api/errors.ts'
import type { MemoryService } from './memory-service.ts'

const STATUS: Record<string, number> = { ERR_MEMORY_UNKNOWN_NAMESPACE: 404, ERR_MEMORY_FORBIDDEN: 403, ERR_INVALID_ARGUMENT: 400, ERR_LIMIT_EXCEEDED: 409 }

async function guarded<T> (fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof AtpError && !(err instanceof HttpError) && STATUS[err.code] !== undefined) throw new HttpError(STATUS[err.code] ?? 500, err.code, err.message)
    throw err
  }
}

export function provenanceJson (p: Provenance | undefined): Record<string, unknown> | null {
  if (p === undefined) return null
  return { org: p.org, peerId: p.peerId, seq: p.seq, vectorClock: clockToJSON(p.vectorClock), signatureValid: p.signatureValid, at: new Date(p.atMs).toISOString(), envelopeId: p.envelopeId }
}

const nsKeyParams = { type: 'object', required: ['ns', 'key'], properties: { ns: { type: 'string', maxLength: 64 }, key: { type: 'string', minLength: 1, maxLength: 256 } } }
const nsParams = { type: 'object', required: ['ns'], properties: { ns: { type: 'string', maxLength: 64 } } }
const putBody = { type: 'object', required: ['value'], additionalProperties: false, properties: { value: {} } }
const editsBody = {
  type: 'object', required: ['edits'], additionalProperties: false,
  properties: { edits: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', required: ['index'], additionalProperties: false, properties: { index: { type: 'integer', minimum: 0 }, insert: { type: 'string' }, delete: { type: 'integer', minimum: 0 } } } } }
}

type NsKey = { Params: { ns: string, key: string } }

export function memoryRoutes (service: MemoryService): FastifyPluginAsync {
  return async (app: FastifyInstance): Promise<void> => {
    app.put<NsKey & { Body: { value: unknown } }>('/v1/memory/:ns/entries/:key', { schema: { params: nsKeyParams, body: putBody } }, async (req) => await guarded(async () => {
      const seq = await service.write(req.params.ns, (r, now) => r.put(req.params.key, req.body.value, now))
      return { ok: true, seq }
    }))

    app.delete<NsKey>('/v1/memory/:ns/entries/:key', { schema: { params: nsKeyParams } }, async (req) => await guarded(async () => {
      const r = service.forApi(req.params.ns, 'write')
      if (r.get(req.params.key) === undefined) throw new HttpError(404, 'ERR_MEMORY_NO_ENTRY', `no entry '${req.params.key}' in ${req.params.ns}`)
      const seq = await service.write(req.params.ns, (rep, now) => rep.delete(req.params.key, now) ?? 0)
      return { ok: true, seq }
    }))

    app.get<NsKey>('/v1/memory/:ns/entries/:key', { schema: { params: nsKeyParams } }, async (req) => await guarded(() => {
      const got = service.forApi(req.params.ns, 'read').get(req.params.key)
      if (got === undefined) throw new HttpError(404, 'ERR_MEMORY_NO_ENTRY', `no entry '${req.params.key}' in ${req.params.ns}`)
      return { value: got.value, provenance: provenanceJson(got.provenance) }
    }))

    app.get<NsKey>('/v1/memory/:ns/entries/:key/history', { schema: { params: nsKeyParams } }, async (req) => await guarded(() => {
      const writes = service.forApi(req.params.ns, 'read').history(req.params.key)
      return { writes: writes.map((w) => ({ value: w.value, deleted: w.deleted, provenance: provenanceJson(w.provenance) })) }
    }))

    app.get<{ Params: { ns: string } }>('/v1/memory/:ns', { schema: { params: nsParams } }, async (req) => await guarded(() => {
      const r = service.forApi(req.params.ns, 'read')
      return { entries: r.entries(), texts: r.textKeys(), stateHash: r.stateHash(), vectorClock: clockToJSON(r.versionVector()) }
    }))

    app.post<NsKey & { Body: { edits: TextEdit[] } }>('/v1/memory/:ns/texts/:key', { schema: { params: nsKeyParams, body: editsBody } }, async (req) => await guarded(async () => {
      const seq = await service.write(req.params.ns, (r, now) => r.editText(req.params.key, req.body.edits, now))
      return { ok: true, seq }
    }))

    app.get<NsKey>('/v1/memory/:ns/texts/:key', { schema: { params: nsKeyParams } }, async (req) => await guarded(() => {
      return service.forApi(req.params.ns, 'read').text(req.params.key)
    }))

    app.get('/v1/memory', async () => ({
      namespaces: [...service.replicas.values()].map((r) => ({ id: r.namespace.id, members: r.namespace.members, writers: r.namespace.writers, stateHash: r.stateHash(), envelopes: r.counters.applied, parked: r.parkedCount, refused: r.counters.refused })),
      ignoredEnvelopes: service.ignoredEnvelopes
    }))
  }
}
