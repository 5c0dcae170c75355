import { AtpError } from '../../kernel/index.ts'

/** The identity file is missing a requirement (mode, format): the daemon refuses to start. */
export class IdentityError extends AtpError {
  readonly path: string
  constructor (path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_IDENTITY', `${path}: ${message}`, options)
    this.path = path
  }
}
