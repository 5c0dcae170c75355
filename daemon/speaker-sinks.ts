/**
 * The daemon's sinks for the Speaker's effects beyond transport and timers: audit events
 * to the hash-chained log, the metrics and the log; every session close gets its own log
 * line with the reason.
 */
import type { Logger } from 'pino'
import type { Transport } from '../driver/index.ts'
import type { AuditEvent } from '../reflector/index.ts'
import type { AuditLog } from './audit/audit-log.ts'
import type { Metrics } from './metrics/metrics.ts'

export interface AuditSinkComponents {
  readonly audit: AuditLog
  readonly metrics: Metrics
  readonly logger: Logger
}

export function auditSink ({ audit, metrics, logger }: AuditSinkComponents): (event: AuditEvent) => void {
  return (event) => {
    try {
      audit.append(event)
    } catch (err) {
      logger.error({ err: String(err), event }, 'audit append failed')
    }
    switch (event.kind) {
      case 'signature-invalid': metrics.signatureFailure(); break
      case 'route-suppressed': metrics.dampingSuppression(); break
      case 'max-routes': metrics.maxRoutesTrip(); break
      default: break
    }
    if (event.kind === 'session-up' || event.kind === 'session-down' || event.kind === 'max-routes' || event.kind === 'signature-invalid') {
      logger.info({ event }, event.kind)
    } else {
      logger.debug({ event }, event.kind)
    }
  }
}

/**
 * The transport with a log line for every close: refused OPENs (wrong org, bad hold
 * time…) never reach session-down, so the close line is where their reason shows.
 * `transport` is looked up at each call: the AGP transport is built after the loop it
 * feeds.
 */
export function loggedCloses (transport: () => Transport, logger: Logger, closeReason: (peer: string) => string | undefined): Transport {
  return {
    send: (peer, frames) => { transport().send(peer, frames) },
    close: (peer) => {
      logger.info({ peer, reason: closeReason(peer) ?? 'unknown' }, 'session closed')
      transport().close(peer)
    },
    dial: (peer) => { transport().dial(peer) },
    awaitDrain: (peer) => { transport().awaitDrain(peer) }
  }
}
