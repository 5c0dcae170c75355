import { AtpError } from '../../kernel/index.ts'

/** A topology file that does not parse, fails the schema, or names unknown ids. */
export class TopologyError extends AtpError {
  readonly problems: readonly string[]
  constructor (source: string, problems: readonly string[]) {
    super('ERR_INVALID_TOPOLOGY', `invalid topology ${source}:\n  ${problems.join('\n  ')}`)
    this.problems = problems
  }
}
