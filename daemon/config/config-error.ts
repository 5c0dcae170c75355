/**
 * Config validation errors. Every problem names the field path (`neighbors[0].peer`)
 * and the reason, so an operator can fix the file without reading the code.
 */
import { AtpError } from '../../kernel/errors.ts'

export interface ConfigIssue {
  /** Field path in the file: `neighbors[0].peer`; '' for the whole document. */
  readonly path: string
  readonly reason: string
}

export class ConfigError extends AtpError {
  /** Path of the first issue (the one in the first line of the message). */
  readonly path: string
  readonly issues: readonly ConfigIssue[]
  /** File name or other label of the source text. */
  readonly source: string

  constructor (issues: readonly ConfigIssue[], source: string) {
    const list = issues.length > 0 ? issues : [{ path: '', reason: 'invalid config' }]
    super('ERR_CONFIG', list.map(formatIssue).join('\n'))
    this.issues = list
    this.path = list[0]?.path ?? ''
    this.source = source
  }
}

export function formatIssue (issue: ConfigIssue): string {
  return issue.path === '' ? `config error: ${issue.reason}` : `config error: ${issue.path}: ${issue.reason}`
}

/** ['neighbors', 0, 'peer'] → 'neighbors[0].peer' */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}
