/**
 * Typed errors of the pure core. Every error the core raises on purpose is an
 * AtpError with a stable `code`, so drivers can map it to a NOTIFICATION, an HTTP
 * status or a log field without matching on messages (js-libp2p's style).
 */
export class AtpError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A capability name that does not match the grammar (see agp/capability). */
export class InvalidCapabilityError extends AtpError {
  constructor (message: string) { super('ERR_INVALID_CAPABILITY', message) }
}

/** A value out of range or of the wrong shape in a route, config or frame. */
export class InvalidArgumentError extends AtpError {
  constructor (message: string) { super('ERR_INVALID_ARGUMENT', message) }
}

/** A table reached its configured bound (routes per peer, per capability...). */
export class LimitExceededError extends AtpError {
  readonly limit: number
  constructor (message: string, limit: number) {
    super('ERR_LIMIT_EXCEEDED', message)
    this.limit = limit
  }
}
