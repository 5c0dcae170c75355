/**
 * The `atpd` daemon once its flags are parsed (cli/atpd.ts): read the config, start the
 * node, handle signals. Loaded only when a daemon is to run or a config to check, so the
 * heavy modules (pino, yaml, zod, then libp2p and level) stay off `--help`.
 */
import { pino, type Logger } from 'pino'
import { stringify as toYaml } from 'yaml'
import { AtpError } from '../kernel/index.ts'
import { ConfigError } from '../daemon/config/config-error.ts'
import { readConfig } from '../daemon/config/load.ts'
import type { Atpd } from '../daemon/node.ts'
import { isStreamError } from '../daemon/p2p/stream-errors.ts'
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_FORCED, fail, type CliArgs } from './atpd-args.ts'

function guardProcess (log: Logger, stop: () => void): void {
  process.on('uncaughtException', (err) => {
    // A libp2p stream or socket error that escapes a handler is a session's problem, never the process's.
    if (isStreamError(err)) {
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

export async function runAtpd (args: CliArgs): Promise<void> {
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

