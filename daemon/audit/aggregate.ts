/**
 * Repeated rejections, aggregated: a redundant-reflector layout rejects the same
 * looped route once per route per refresh per reflector, which would fill the audit
 * log with copies. Within a window, the first rejection of a kind from a peer for a
 * reason is written as is; the others are counted and written once, at the end of the
 * window, as one record `{ kind, peer, detail, repeated: n }`.
 */
import type { AuditEvent } from '../../reflector/index.ts'

/** Event kinds that a peer can make the daemon repeat without bound. */
export const AGGREGATED_KINDS: ReadonlySet<AuditEvent['kind']> = new Set(['route-rejected', 'policy-rejected', 'signature-invalid', 'max-routes'])

interface Window { readonly first: AuditEvent, repeated: number }

export class RejectionAggregator {
  private windows = new Map<string, Window>()

  /** `maxKeys`: distinct (kind, peer, reason) tracked per window; past it the window closes early. */
  constructor (private readonly maxKeys = 4096) {}

  /** True when the event should be written now; false when it was counted. */
  admit (event: AuditEvent): boolean {
    if (!AGGREGATED_KINDS.has(event.kind)) return true
    const key = `${event.kind}\0${event.peer ?? ''}\0${event.detail ?? ''}`
    const w = this.windows.get(key)
    if (w !== undefined) { w.repeated++; return false }
    if (this.windows.size >= this.maxKeys) return true
    this.windows.set(key, { first: event, repeated: 0 })
    return true
  }

  get full (): boolean { return this.windows.size >= this.maxKeys }

  /** Ends the window: one summary event per key that repeated. */
  close (): AuditEvent[] {
    const out: AuditEvent[] = []
    for (const { first, repeated } of this.windows.values()) {
      if (repeated === 0) continue
      out.push({ kind: first.kind, ...(first.peer !== undefined ? { peer: first.peer } : {}), ...(first.detail !== undefined ? { detail: first.detail } : {}), repeated })
    }
    this.windows = new Map()
    return out
  }
}
