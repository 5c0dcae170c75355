/**
 * Repeated rejections, aggregated: a redundant-reflector layout rejects the same
 * looped route once per route per refresh per reflector, and a hostile peer can send
 * any number of routes that fail, which would fill the audit log with copies.
 *
 * Within a window, the first rejection of each route (kind, peer, reason, org, agent,
 * capability) is written as is, up to `burst` distinct routes per (kind, peer, reason):
 * an operator still sees which routes were refused and why. A route's repeats, and the
 * routes past the burst, are counted and written once, at the end of the window, as
 * one record `{ kind, peer, detail, repeated: n }` per (kind, peer, reason).
 */
import type { AuditEvent } from '../../reflector/index.ts'

/** Event kinds that a peer can make the daemon repeat without bound. */
export const AGGREGATED_KINDS: ReadonlySet<AuditEvent['kind']> = new Set(['route-rejected', 'policy-rejected', 'signature-invalid', 'max-routes'])

/** Distinct routes written as they come per (kind, peer, reason) and window. */
export const DEFAULT_AUDIT_BURST = 64

interface Group { readonly first: AuditEvent, written: number, repeated: number }

export class RejectionAggregator {
  private groups = new Map<string, Group>()
  private routes = new Set<string>()

  /**
   * `maxKeys`: distinct routes tracked per window; past it the window closes early (the
   * caller asks `full`), so memory stays bounded whatever a peer sends.
   */
  constructor (private readonly maxKeys = 4096, private readonly burst = DEFAULT_AUDIT_BURST) {}

  /** True when the event should be written now; false when it was counted. */
  admit (event: AuditEvent): boolean {
    if (!AGGREGATED_KINDS.has(event.kind)) return true
    const groupKey = `${event.kind}\0${event.peer ?? ''}\0${event.detail ?? ''}`
    const routeKey = `${groupKey}\0${event.org ?? ''}\0${event.agent ?? ''}\0${event.capability ?? ''}`
    let group = this.groups.get(groupKey)
    if (group === undefined) {
      group = { first: event, written: 0, repeated: 0 }
      this.groups.set(groupKey, group)
    }
    if (this.routes.has(routeKey) || group.written >= this.burst) { group.repeated++; return false }
    this.routes.add(routeKey)
    group.written++
    return true
  }

  get full (): boolean { return this.routes.size >= this.maxKeys || this.groups.size >= this.maxKeys }

  /** Ends the window: one summary event per (kind, peer, reason) that had repeats. */
  close (): AuditEvent[] {
    const out: AuditEvent[] = []
    for (const { first, repeated } of this.groups.values()) {
      if (repeated === 0) continue
      out.push({ kind: first.kind, ...(first.peer !== undefined ? { peer: first.peer } : {}), ...(first.detail !== undefined ? { detail: first.detail } : {}), repeated })
    }
    this.groups = new Map()
    this.routes = new Set()
    return out
  }
}
