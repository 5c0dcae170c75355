/**
 * Typed errors of the memory core. Decoders raise only MemoryDecodeError (never a
 * RangeError from lib0), so a driver can count and drop a peer's bad bytes by `code`.
 */
import { AtpError } from '../kernel/index.ts'

/** Bytes that are not a well-formed, canonical envelope, sync message or checkpoint. */
export class MemoryDecodeError extends AtpError {
  constructor (message: string, options?: { cause?: unknown }) { super('ERR_MEMORY_DECODE', message, options) }
}

/**
 * Bytes that announce more than a bound allows (a length, a count, a message size): the
 * peer sent too much rather than garbage, which drivers count apart.
 */
export class MemoryBoundError extends MemoryDecodeError {
  override readonly code: string = 'ERR_MEMORY_BOUND'
}

/** A namespace this node has no configuration for (HTTP 404). */
export class UnknownNamespaceError extends AtpError {
  constructor (namespace: string) { super('ERR_MEMORY_UNKNOWN_NAMESPACE', `unknown memory namespace "${namespace}"`) }
}

/** The org may not read or write the namespace (HTTP 403). */
export class MemoryForbiddenError extends AtpError {
  constructor (message: string) { super('ERR_MEMORY_FORBIDDEN', message) }
}
