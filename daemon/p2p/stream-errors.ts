/**
 * Which errors belong to one session's connection or stream rather than to the process:
 * libp2p's stream, connection and muxer errors and the socket errors under them. Told by
 * the error's `name` and `code` (what libp2p and Node set to say what kind of error it
 * is), never by its message, which is prose and changes between versions.
 */
const STREAM_ERROR_NAME = /^(?:(?:Stream|Connection|Muxer)\w*Error|AbortError|TimeoutError|UnexpectedEOFError)$/
const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT'])

export function isStreamError (err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { name, code } = err as { name?: unknown, code?: unknown }
  if (typeof name === 'string' && STREAM_ERROR_NAME.test(name)) return true
  return typeof code === 'string' && (SOCKET_ERROR_CODES.has(code) || code.startsWith('ERR_STREAM_'))
}
