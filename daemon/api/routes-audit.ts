/**
 * GET /v1/audit?after=SEQ&limit=N: the latest records of the hash-chained audit log
 * (an in-memory tail, bounded), oldest first; `after` lets a client follow the log.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { AUDIT_TAIL_MAX, type AuditTail } from '../audit/audit-tail.ts'

const auditQuerySchema = {
  type: 'object',
  properties: {
    after: { type: 'integer', minimum: 0, description: 'only records with a larger seq' },
    limit: { type: 'integer', minimum: 1, maximum: AUDIT_TAIL_MAX, default: 100 }
  },
  additionalProperties: false
} as const

export function auditRoutes (tail: AuditTail): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { after?: number, limit?: number } }>('/v1/audit', { schema: { querystring: auditQuerySchema } }, async (request) => {
      return { lastSeq: tail.lastSeq, records: tail.recent(request.query.after ?? 0, request.query.limit ?? 100) }
    })
  }
}
