/**
 * Bearer token check. Digests are compared in constant time so the check leaks
 * neither the token nor its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from './errors.ts'

export function bearerAuth (token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = digest(token)
  return async (request, reply) => {
    const header = request.headers.authorization ?? ''
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (m?.[1] !== undefined && timingSafeEqual(digest(m[1]), expected)) return
    const message = header === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token'
    await reply.code(401).header('www-authenticate', 'Bearer realm="atpd"').send(errorBody(401, 'ERR_UNAUTHORIZED', message))
  }
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
