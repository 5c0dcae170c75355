/**
 * Errors of `atp sim --emulate`. A refusal is invalid input for emulation (the CLI
 * exits 2); a failure is an emulation that could not run (a daemon did not start,
 * sessions never came up; the CLI exits 1 and names the log to read).
 */
import { AtpError } from '../../kernel/index.ts'

/** The topology cannot be emulated as it stands (too many nodes, unsupported events). */
export class EmulationRefusedError extends AtpError {
  constructor (message: string) { super('ERR_EMULATION_REFUSED', message) }
}

/** The real daemons could not be run to a comparable end state. */
export class EmulationFailedError extends AtpError {
  constructor (message: string, options?: { cause?: unknown }) { super('ERR_EMULATION_FAILED', message, options) }
}
