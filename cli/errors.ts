/**
 * CLI errors carry their exit code. Codes: 0 ok, 1 the operation failed (HTTP error,
 * audit chain broken…), 2 usage (bad flags), 3 atpd unreachable.
 */
import { AtpError } from '../kernel/errors.ts'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_UNREACHABLE = 3

export class CliError extends AtpError {
  readonly exitCode: number
  constructor (message: string, exitCode: number = EXIT_FAILED, options?: { cause?: unknown }) {
    super('ERR_CLI', message, options)
    this.exitCode = exitCode
  }
}

export class UsageError extends CliError {
  constructor (message: string) { super(message, EXIT_USAGE) }
}
