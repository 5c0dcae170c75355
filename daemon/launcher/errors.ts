/**
 * Errors of the launcher: typed, so the CLI maps them to exit codes by class (a bad
 * template is a usage error, a site that does not come up is a failed operation).
 */
import { AtpError } from '../../kernel/errors.ts'

/** A site did not start: atpd exited, or its API did not answer in time. */
export class LaunchError extends AtpError {
  constructor (message: string) { super('ERR_LAUNCH', message) }
}

/** The federation's site templates are missing or malformed. */
export class TemplateError extends AtpError {
  constructor (message: string) { super('ERR_FEDERATION_TEMPLATE', message) }
}
