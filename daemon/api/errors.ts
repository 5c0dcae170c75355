/**
 * Error answers of the API: `{ statusCode, error, code, message }` (fastify's shape),
 * with validation messages that name the field (`querystring.limit: must be <= 1000`).
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { agentId, AtpError, CAPABILITY_REASON, endpoint, orgId } from '../../kernel/index.ts'

export class HttpError extends AtpError {
  readonly statusCode: number
  constructor (statusCode: number, code: string, message: string) {
    super(code, message)
    this.statusCode = statusCode
  }
}

export interface ErrorBody {
  statusCode: number
  error: string
  code: string
  message: string
}

export function errorBody (statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message }
}

/** Typed core errors a facade may throw, and their HTTP status. */
const STATUS_BY_CODE: Record<string, number> = {
  ERR_INVALID_ARGUMENT: 400,
  ERR_INVALID_CAPABILITY: 400,
  ERR_CONFIG: 400,
  ERR_LIMIT_EXCEEDED: 409
}

interface AjvError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

const PATTERN_REASONS: Record<string, string> = {
  capability: CAPABILITY_REASON,
  endpoint: endpoint.reason,
  org: orgId.reason,
  agent: agentId.reason,
  id: agentId.reason
}

export function formatValidation (context: string, errors: readonly AjvError[]): string {
  return errors.map((e) => {
    const base = context + e.instancePath.replace(/\//g, '.')
    if (e.keyword === 'additionalProperties') return `${base}.${String(e.params.additionalProperty)}: unknown field`
    if (e.keyword === 'required') return `${base}.${String(e.params.missingProperty)}: required`
    if (e.keyword === 'pattern') {
      const field = e.instancePath.split('/').pop() ?? ''
      return `${base}: ${PATTERN_REASONS[field] ?? e.message ?? 'invalid'}`
    }
    return `${base}: ${e.message ?? 'invalid'}`
  }).join('; ')
}

export function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined) {
    const message = formatValidation(error.validationContext ?? 'request', error.validation as AjvError[])
    return reply.code(400).send(errorBody(400, 'ERR_VALIDATION', message))
  }
  if (error instanceof HttpError) return reply.code(error.statusCode).send(errorBody(error.statusCode, error.code, error.message))
  if (error instanceof AtpError) {
    const status = STATUS_BY_CODE[error.code] ?? 500
    return reply.code(status).send(errorBody(status, error.code, error.message))
  }
  // fastify's own client errors (bad JSON, wrong content type, body too large).
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, error.code ?? 'ERR_BAD_REQUEST', error.message))
  request.log.error({ err: error }, 'API handler failed')
  return reply.code(500).send(errorBody(500, 'ERR_INTERNAL', 'internal error (see the daemon log)'))
}
