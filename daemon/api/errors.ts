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
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const { code, message } = clientError(error, request)
    return reply.code(status).send(errorBody(status, code, message))
  }
  request.log.error({ err: error }, 'API handler failed')
  return reply.code(500).send(errorBody(500, 'ERR_INTERNAL', 'internal error (see the daemon log)'))
}

/**
 * fastify's own refusals of a request (bad JSON, a content type with no parser, a body
 * over the limit) in the API's codes, with messages that say what to send instead:
 * fastify's `FST_ERR_*` codes are its internals, and "Unsupported Media Type" alone
 * does not say which type is accepted.
 */
function clientError (error: FastifyError, request: FastifyRequest): { code: string, message: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'ERR_BAD_JSON', message: error.message }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type']
      return { code: 'ERR_UNSUPPORTED_MEDIA_TYPE', message: `${type === undefined ? 'a body without a content-type' : `content-type '${type}'`} is not accepted: send application/json` }
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'ERR_BODY_TOO_LARGE', message: `request body larger than ${request.routeOptions.bodyLimit} bytes` }
    default:
      return { code: error.code?.startsWith('ERR_') === true ? error.code : 'ERR_BAD_REQUEST', message: error.message }
  }
}
