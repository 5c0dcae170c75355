/**
 * `atpd`'s flags, usage text and exit codes, parsed with node:util alone, so `--help` and
 * `--version` answer without loading pino, yaml, zod or libp2p.
 */
import { parseArgs } from 'node:util'
import { LOG_LEVELS } from '../daemon/config/log-levels.ts'
import { VERSION } from '../daemon/package-root.ts'

const USAGE = `usage: atpd --config FILE [--log-level LEVEL] [--repair]
       atpd --check --config FILE
       atpd --version | --help

atpd is the federated routing daemon for AI agents: one per organization (role peer)
or route reflector (role reflector). It logs JSON lines (pino) on stdout.

options:
  -c, --config FILE     site config (YAML); see docs/configuration.md
      --log-level LEVEL override log.level: ${LOG_LEVELS.join(' | ')}
      --repair          open a damaged store anyway: keep what can be read, drop the rest
                        and log what was dropped (without it, damage refuses the start)
      --check           validate the config, print the effective config (every default
                        filled in) as YAML on stdout and exit: 0 valid, 2 invalid
  -V, --version         print the version and exit
  -h, --help            print this help and exit

signals:
  SIGTERM, SIGINT       stop cleanly (NOTIFICATION cease to neighbors, flush the store
                        and the audit log); a second signal forces the exit (code 130)
  SIGHUP                reload the config file: agents, policy, damping and neighbors
                        are applied live (only changed sessions are reset); every
                        other changed key is named in the log and takes effect at the
                        next restart; an invalid file is logged and ignored

exit codes: 0 clean stop, 1 runtime or start failure, 2 usage or config error,
130 forced by a second signal
`

/** Exit codes: 0 clean stop, 1 runtime failure, 2 usage or config error, 130 forced by a second signal. */
export const EXIT_FAILURE = 1
export const EXIT_CONFIG = 2
export const EXIT_FORCED = 130

export function fail (message: string, code: number): never {
  process.stderr.write(`atpd: ${message}\n`)
  process.exit(code)
}

export interface CliArgs { readonly config: string, readonly logLevel?: string, readonly check: boolean, readonly repair: boolean }

export function parseCli (): CliArgs {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        'log-level': { type: 'string' },
        check: { type: 'boolean' },
        repair: { type: 'boolean' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true
    })
    if (values.help === true) { process.stdout.write(USAGE); process.exit(0) }
    if (values.version === true) { process.stdout.write(`atpd ${VERSION}\n`); process.exit(0) }
    if (values.config === undefined) fail(`--config is required\n${USAGE}`, EXIT_CONFIG)
    const level = values['log-level']
    if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
      fail(`--log-level: not a level (${LOG_LEVELS.join(' | ')})`, EXIT_CONFIG)
    }
    return { config: values.config, check: values.check === true, repair: values.repair === true, ...(level !== undefined ? { logLevel: level } : {}) }
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`, EXIT_CONFIG)
  }
}
