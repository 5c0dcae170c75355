/**
 * Executes the Speaker's effects in the daemon (timers are the event loop's own):
 * transport effects go to the AGP transport, audit events to the hash-chained log and
 * the metrics, and anything that changes restart state marks the store dirty.
 */
import type { Logger } from 'pino'
import type { AuditEvent, Effect, SpeakerInput } from '../reflector/index.ts'
import type { AuditLog } from './audit/audit-log.ts'
import type { Metrics } from './metrics/metrics.ts'
import type { AgpTransport } from './p2p/agp-transport.ts'

export interface EffectSinks {
  readonly transport: AgpTransport
  readonly audit: AuditLog
  readonly metrics: Metrics
  readonly logger: Logger
  /** Restart state (Adj-RIB-In, damping, seq) may have changed. */
  readonly markDirty: () => void
  readonly onLocRibChanged?: (capability: string) => void
  /** Why the Speaker closes a session (its last error), for the log line of every close. */
  readonly closeReason?: (peer: string) => string | undefined
}

export function createEffectExecutor (sinks: EffectSinks): (effects: readonly Effect[], input: SpeakerInput) => void {
  const { transport, audit, metrics, logger } = sinks
  return (effects, input) => {
    let dirty = changesRestartState(input)
    for (const effect of effects) {
      switch (effect.type) {
        case 'send': transport.send(effect.peer, effect.frames); break
        case 'close':
          // Refused OPENs (wrong org, bad hold time…) never reach session-down: every
          // close gets its own info line with the reason.
          logger.info({ peer: effect.peer, reason: sinks.closeReason?.(effect.peer) ?? 'unknown' }, 'session closed')
          transport.close(effect.peer)
          break
        case 'dial': transport.dial(effect.peer); break
        case 'await-drain': transport.awaitDrain(effect.peer); break
        case 'loc-rib-changed':
          dirty = true
          sinks.onLocRibChanged?.(effect.capability)
          break
        case 'audit':
          dirty = true
          recordAudit(effect.event)
          break
        default: break // timers never reach here
      }
    }
    if (dirty) sinks.markDirty()
  }

  function recordAudit (event: AuditEvent): void {
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

function changesRestartState (input: SpeakerInput): boolean {
  switch (input.type) {
    case 'frame': return input.frame.type === 'update' || input.frame.type === 'end-of-rib'
    case 'transport-down':
    case 'agent-upsert':
    case 'agent-remove':
      return true
    default: return false
  }
}
