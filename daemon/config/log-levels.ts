/**
 * The log levels `log.level` and `atpd --log-level` accept (pino's). Kept apart from the
 * config schema so `atpd --help` prints them without loading zod.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
