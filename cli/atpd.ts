#!/usr/bin/env node
// Entry of the `atpd` daemon. The polyfill must be the first import (libp2p on Node 20).
import '../daemon/runtime/polyfills.ts'
import { parseArgs } from 'node:util'
import { pino, type Logger } from 'pino'
import { stringify as toYaml } from 'yaml'
import { AtpError } from '../kernel/index.ts'
import { ConfigError } from '../daemon/config/config-error.ts'
import { readConfig } from '../daemon/config/load.ts'
import { LOG_LEVELS } from '../daemon/config/schema.ts'
import type { Atpd } from '../daemon/node.ts'
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
  SIGHUP                reload the config file: agents declared in it are applied live;
                        every other changed key is named in the log and takes effect at
                        the next restart; an invalid file is logged and ignored

exit codes: 0 clean stop, 1 runtime or start failure, 2 usage or config error,
130 forced by a second signal
`

/** Exit codes: 0 clean stop, 1 runtime failure, 2 usage or config error, 130 forced by a second signal. */
const EXIT_FAILURE = 1
const EXIT_CONFIG = 2
const EXIT_FORCED = 130

function fail (message: string, code: number): never {
  process.stderr.write(`atpd: ${message}\n`)
  process.exit(code)
}

interface CliArgs { readonly config: string, readonly logLevel?: string, readonly check: boolean, readonly repair: boolean }

function parseCli (): CliArgs {
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

// libp2p stream and socket errors that escape a handler are a session's problem, never the process's.
const SESSION_ERROR = /Stream|Reset|Abort|Timeout|Connection|Muxer|EPIPE|ECONNRESET|ERR_STREAM/i

function guardProcess (log: Logger, stop: () => void): void {
  process.on('uncaughtException', (err) => {
    if (SESSION_ERROR.test(`${err.name} ${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`)) {
      log.error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'uncaught stream error (ignored)')
      return
    }
    log.fatal({ err: { name: err.name, message: err.message, stack: err.stack } }, 'uncaught exception: stopping')
    process.exitCode = EXIT_FAILURE
    stop()
  })
  process.on('unhandledRejection', (reason) => {
    log.error({ err: String(reason), stack: (reason as Error | undefined)?.stack }, 'unhandled rejection (ignored)')
  })
}

async function main (): Promise<void> {
  const args = parseCli()
  let config
  let warnings: readonly string[]
  try {
    ({ config, warnings } = readConfig(args.config))
  } catch (err) {
    if (err instanceof ConfigError) fail(`${args.config}:\n${err.message}`, EXIT_CONFIG)
    throw err
  }
  if (args.check) {
    for (const w of warnings) process.stderr.write(`atpd: warning: ${w}\n`)
    process.stdout.write(toYaml(config))
    process.stderr.write(`atpd: ${args.config}: config ok\n`)
    process.exit(0)
  }
  const log = pino({ level: args.logLevel ?? config.log.level, base: { org: config.org } })
  for (const w of warnings) log.warn(w)

  // Loaded only now: a bad config is reported without waiting for libp2p and level to load.
  const [{ createAtpd }, { defaultExtensions }] = await Promise.all([import('../daemon/node.ts'), import('../daemon/extensions.ts')])
  const atpd: Atpd = createAtpd(config, { logger: log, extensions: defaultExtensions(), repair: args.repair })
  let signals = 0
  const stop = (): void => {
    atpd.stop().then(() => { process.exit(process.exitCode ?? 0) }, (err: unknown) => {
      log.error({ err: String(err) }, 'stop failed')
      process.exit(EXIT_FAILURE)
    })
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      signals++
      if (signals === 1) {
        log.info({ signal }, 'stopping (send the signal again to force)')
        stop()
      } else {
        log.warn({ signal }, 'forced exit')
        process.exit(EXIT_FORCED)
      }
    })
  }
  process.on('SIGHUP', () => { reload(atpd, args.config, log) })
  guardProcess(log, stop)
  try {
    await atpd.start()
  } catch (err) {
    const message = err instanceof AtpError ? err.message : (err as Error).stack ?? String(err)
    log.fatal({ err: err instanceof AtpError ? { code: err.code, message: err.message } : String(err) }, 'start failed')
    fail(`cannot start: ${message}`, EXIT_FAILURE)
  }
}

/** SIGHUP: read and validate the file again; a bad file changes nothing. */
function reload (atpd: Atpd, path: string, log: Logger): void {
  if (!atpd.isReady) {
    log.warn('SIGHUP before the daemon is ready: ignored')
    return
  }
  let next
  try {
    next = readConfig(path).config
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error({ config: path, issues: err.issues }, 'config reload refused: the file is invalid; the running config stays')
      return
    }
    log.error({ err: String(err) }, 'config reload failed; the running config stays')
    return
  }
  atpd.reload(next).catch((err: unknown) => { log.error({ err: String(err) }, 'config reload failed part way') })
}

await main()
