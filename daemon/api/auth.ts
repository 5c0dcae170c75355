/**
 * Bearer token check. Digests are compared in constant time so the check leaks
 * neither the token nor its length.
 *
 * The looking glass (GET /) is opened by people in browsers, which cannot send a bearer
 * header: there the token is also accepted as the password of HTTP Basic credentials
 * (any user name), and a 401 carries a Basic challenge so the browser asks for it. A
 * `?token=` query was not chosen: URLs end up in logs and browser history.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from './errors.ts'

export function bearerAuth (token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = digest(token)
  const matches = (candidate: string | undefined): boolean => candidate !== undefined && timingSafeEqual(digest(candidate), expected)
  return async (request, reply) => {
    const header = request.headers.authorization ?? ''
    if (matches(/^Bearer\s+(\S+)$/i.exec(header)?.[1])) return
    const lookingGlass = request.method === 'GET' && request.url.split('?')[0] === '/'
    if (lookingGlass && matches(basicPassword(header))) return
    const message = header === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token'
    // Connection: close — a refused client gets no keep-alive socket, and a body it may
    // still be sending (slowly, on purpose) is not waited for.
    await reply.code(401)
      .header('connection', 'close')
      .header('www-authenticate', lookingGlass ? 'Basic realm="atpd looking glass", charset="UTF-8"' : 'Bearer realm="atpd"')
      .send(errorBody(401, 'ERR_UNAUTHORIZED', message))
  }
}

/** The password of `Authorization: Basic base64(user:password)`, if that is the header. */
function basicPassword (header: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)
  if (m?.[1] === undefined) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : decoded.slice(colon + 1)
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
