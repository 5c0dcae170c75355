/**
 * Warns before the process runs out of file descriptors. At the limit every new socket
 * (API request, libp2p dial, store file) fails with EMFILE, and those failures are easy
 * to miss; a line while there is still room names the cause.
 *
 * Linux only (/proc/self/fd and /proc/self/limits); elsewhere `readFdUsage` answers
 * undefined and the watch does nothing.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { Logger } from 'pino'

export interface FdUsage {
  readonly open: number
  /** The soft limit (RLIMIT_NOFILE); Infinity when unlimited. */
  readonly limit: number
}

export function readFdUsage (): FdUsage | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
    if (soft === undefined) return undefined
    return { open, limit: soft === 'unlimited' ? Infinity : Number(soft) }
  } catch {
    return undefined
  }
}

export interface FdWatchInit {
  readonly logger: Logger
  /** Warn at this share of the limit (default 0.8). */
  readonly warnRatio?: number
  readonly intervalMs?: number
  /** The reading (tests pass their own). */
  readonly read?: () => FdUsage | undefined
}

export class FdWatch {
  private readonly init: FdWatchInit
  private readonly warnRatio: number
  private timer: NodeJS.Timeout | undefined
  private warned = false

  constructor (init: FdWatchInit) {
    this.init = init
    this.warnRatio = init.warnRatio ?? 0.8
  }

  /** One reading: warns once when usage crosses the ratio, re-arms below 90 % of it. */
  check (): FdUsage | undefined {
    const usage = (this.init.read ?? readFdUsage)()
    if (usage === undefined || !Number.isFinite(usage.limit)) return usage
    const ratio = usage.open / usage.limit
    if (!this.warned && ratio >= this.warnRatio) {
      this.warned = true
      this.init.logger.warn({ openFds: usage.open, fdLimit: usage.limit }, 'open file descriptors near the limit: new connections will fail at the limit (raise `ulimit -n` or find the leak)')
    } else if (this.warned && ratio < this.warnRatio * 0.9) {
      this.warned = false
      this.init.logger.info({ openFds: usage.open, fdLimit: usage.limit }, 'open file descriptors back below the warning level')
    }
    return usage
  }

  start (): void {
    this.timer = setInterval(() => { this.check() }, this.init.intervalMs ?? 10_000)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }
}
