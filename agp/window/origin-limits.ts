/**
 * Limits an origin daemon puts on one of its agents, per consumer org:
 * `agents[].limits: { maxInFlight, tokensPerMinute, usdPerMinute }`. Each limit is
 * shared fairly between the consumer orgs active in the last minute: an org may always
 * use its fair share (limit / active orgs), and more only out of what the others leave
 * unused beyond their own share, so a newcomer is never starved by an org that grabbed
 * the idle capacity first. A refusal is answered with the overload error that makes
 * the consumer's window back off, so AIMD at the consumers converges on the shares.
 */
import type { Usage } from './signals.ts'
import { MINUTE_MS, MinuteUsage } from './minute-usage.ts'

export interface OriginLimits {
  readonly maxInFlight?: number
  readonly tokensPerMinute?: number
  readonly usdPerMinute?: number
}

export type OriginDimension = 'maxInFlight' | 'tokensPerMinute' | 'usdPerMinute'

export type OriginDecision =
  | { readonly ok: true }
  | { readonly ok: false, readonly dimension: OriginDimension, readonly retryAfterMs: number }

interface OrgUse {
  inFlight: number
  readonly tokens: MinuteUsage
  readonly usd: MinuteUsage
  reservedTokens: number
  reservedUsd: number
  lastSeenMs: number
}

/** Consumer orgs tracked per agent; the longest idle one is forgotten first. */
export const MAX_ORIGIN_ORGS = 1024

export class OriginLimiter {
  private readonly orgs = new Map<string, OrgUse>()

  constructor (readonly limits: OriginLimits) {}

  /** Admit a task of `org` with `estimate`; on success it is counted until release(). */
  acquire (org: string, estimate: Usage, nowMs: number): OriginDecision {
    const me = this.touch(org, nowMs)
    const active = [...this.orgs.entries()].filter(([id, u]) => id === org || this.isActive(u, nowMs))
    const check = (dimension: OriginDimension, limit: number | undefined, use: (u: OrgUse) => number, amount: number): OriginDecision | undefined => {
      if (limit === undefined) return undefined
      const share = limit / active.length
      let total = 0
      let othersHeld = 0
      for (const [id, u] of active) {
        const x = use(u)
        total += x
        if (id !== org) othersHeld += Math.max(x, share)
      }
      const mine = use(me)
      // An org with nothing in use may always send one task while the limit has room (a
      // share below one task must not starve it), and a lone task fits an idle origin.
      const fits = (total + amount <= limit && (mine === 0 || mine + amount <= Math.max(share, limit - othersHeld))) || (mine === 0 && total === 0)
      return fits ? undefined : { ok: false, dimension, retryAfterMs: dimension === 'maxInFlight' ? 1000 : this.nextExpiryMs(dimension, nowMs) - nowMs }
    }
    const refused = check('maxInFlight', this.limits.maxInFlight, (u) => u.inFlight, 1) ??
      check('tokensPerMinute', this.limits.tokensPerMinute, (u) => u.tokens.total(nowMs) + u.reservedTokens, estimate.tokens) ??
      check('usdPerMinute', this.limits.usdPerMinute, (u) => u.usd.total(nowMs) + u.reservedUsd, estimate.usd)
    if (refused !== undefined) return refused
    me.inFlight++
    me.reservedTokens += estimate.tokens
    me.reservedUsd += estimate.usd
    return { ok: true }
  }

  /** The task admitted with `estimate` ended and used `actual`. */
  release (org: string, estimate: Usage, actual: Usage, nowMs: number): void {
    const u = this.orgs.get(org)
    if (u === undefined) return
    u.inFlight = Math.max(0, u.inFlight - 1)
    u.reservedTokens = Math.max(0, u.reservedTokens - estimate.tokens)
    u.reservedUsd = Math.max(0, u.reservedUsd - estimate.usd)
    u.tokens.add(actual.tokens, nowMs)
    u.usd.add(actual.usd, nowMs)
    u.lastSeenMs = nowMs
  }

  inFlight (org?: string): number {
    if (org !== undefined) return this.orgs.get(org)?.inFlight ?? 0
    let n = 0
    for (const u of this.orgs.values()) n += u.inFlight
    return n
  }

  private isActive (u: OrgUse, nowMs: number): boolean {
    return u.inFlight > 0 || nowMs - u.lastSeenMs < MINUTE_MS
  }

  private touch (org: string, nowMs: number): OrgUse {
    let u = this.orgs.get(org)
    if (u === undefined) {
      if (this.orgs.size >= MAX_ORIGIN_ORGS) this.forgetOne()
      u = { inFlight: 0, tokens: new MinuteUsage(), usd: new MinuteUsage(), reservedTokens: 0, reservedUsd: 0, lastSeenMs: nowMs }
      this.orgs.set(org, u)
    }
    u.lastSeenMs = nowMs
    return u
  }

  private forgetOne (): void {
    let oldest: string | undefined
    let oldestMs = Infinity
    for (const [id, u] of this.orgs) {
      if (u.inFlight === 0 && u.lastSeenMs < oldestMs) { oldest = id; oldestMs = u.lastSeenMs }
    }
    if (oldest !== undefined) this.orgs.delete(oldest)
  }

  /** When the first usage still counted leaves the minute (at least 1 s ahead). */
  private nextExpiryMs (dimension: 'tokensPerMinute' | 'usdPerMinute', nowMs: number): number {
    let t = nowMs + MINUTE_MS
    for (const u of this.orgs.values()) {
      const e = (dimension === 'tokensPerMinute' ? u.tokens : u.usd).nextExpiryMs(nowMs)
      if (e > nowMs) t = Math.min(t, e)
    }
    return Math.max(t, nowMs + 1000)
  }
}
