import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { auditRoutes } from '../../../daemon/api/routes-audit.ts'
import { createApiServer } from '../../../daemon/api/server.ts'
import { AuditTail } from '../../../daemon/audit/audit-tail.ts'
import type { AuditRecord } from '../../../daemon/audit/record.ts'
import { createFakeFacade } from '../../helpers/fake-daemon-facade.ts'

describe('GET /v1/audit', () => {
  let app: FastifyInstance
  beforeEach(async () => {
    const tail = new AuditTail()
    for (let seq = 1; seq <= 150; seq++) tail.push({ seq } as unknown as AuditRecord)
    app = await createApiServer({ facade: createFakeFacade(), plugins: [auditRoutes(tail)] })
  })
  afterEach(async () => { await app.close() })

  it('answers 100 records by default and follows `after`', async () => {
    const all = await app.inject({ method: 'GET', url: '/v1/audit' })
    expect(all.statusCode).toBe(200)
    expect(all.json().records).toHaveLength(100)
    const after = await app.inject({ method: 'GET', url: '/v1/audit?after=147&limit=5' })
    expect(after.json().records.map((r: { seq: number }) => r.seq)).toEqual([148, 149, 150])
  })

  it('refuses a limit out of range, a negative after and an unknown key', async () => {
    for (const q of ['limit=0', 'limit=501', 'after=-1', 'after=x', 'since=1']) {
      expect((await app.inject({ method: 'GET', url: `/v1/audit?${q}` })).statusCode, q).toBe(400)
    }
  })
})
