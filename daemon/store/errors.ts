import { AtpError } from '../../kernel/index.ts'

/** The store cannot be opened or read (locked by another atpd, corrupt, unwritable). */
export class StoreError extends AtpError {
  constructor (message: string, options?: { cause?: unknown }) { super('ERR_STORE', message, options) }
}
