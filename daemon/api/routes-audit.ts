/**
 * GET /v1/audit?after=SEQ&limit=N: the latest records of the hash-chained audit log
 * (an in-memory tail, bounded), oldest first; `after` lets a client follow the log.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { AUDIT_TAIL_MAX, type AuditTail } from '../audit/audit-tail.ts'
import { apiJsonSchema } from './json-schema.ts'

const auditQuery = z.strictObject({
  after: z.number().int().min(0).describe('only records with a larger seq').optional(),
  limit: z.number().int().min(1).max(AUDIT_TAIL_MAX).default(100)
})
const auditQuerySchema = apiJsonSchema(auditQuery, 'input')

export function auditRoutes (tail: AuditTail): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: z.input<typeof auditQuery> }>('/v1/audit', { schema: { querystring: auditQuerySchema } }, async (request) => {
      return { lastSeq: tail.lastSeq, records: tail.recent(request.query.after ?? 0, request.query.limit ?? 100) }
    })
  }
}
