/**
 * Congestion control at the data plane's admission seam (choose path → admit? →
 * forward → settle): the consumer walks its resolve ranking and asks, path by path,
 * whether the task may leave on it now; a refusal (window full, budget spent) sends
 * it to the next path, which is the spill-over. Every admitted task is settled once,
 * and its outcome moves the window: a timeout or an overload answer is congestion, a
 * completed task grows the window when it was fast enough, a refusal before the agent
 * accepted (no route, hop down) releases the window without a signal.
 *
 * The types are structural: this module states what it needs from the data plane's
 * path and settlement, so the two stay independent of each other's files.
 */
import type { PathOffer, TaskOutcome, Usage } from '../../agp/index.ts'
import type { CongestionControl } from './congestion-control.ts'

/** A path chosen by the consumer (the data plane's PathChoice). */
export interface ChosenPath {
  readonly capability: string
  readonly originOrg: string
  readonly agentId: string
  readonly costUsd: number
}

/** How a forwarded task ended (the data plane's TaskSettlement). */
export interface ForwardSettlement {
  readonly outcome: string
  readonly accepted: boolean
  readonly latencyMs: number
  readonly costUsd: number
}

/** What the window needs about a path beyond the choice: its latency target and tags. */
export type PathFacts = (path: ChosenPath) => { readonly p95Ms: number, readonly tags: readonly string[] } | undefined

/** Why a path was refused (the data plane's AdmissionRefusal). */
export interface PathRefusal {
  readonly reason: 'over-window' | 'over-budget'
  readonly text: string
  readonly retryAfterMs: number
}

interface Ticket { readonly ticket: string, readonly estimate: Usage }

/** Per path, admitted tasks not yet settled (FIFO: the oldest settles first). */
const MAX_OPEN_PER_PATH = 100_000

export class CongestionAdmission {
  private readonly open = new Map<string, Ticket[]>()

  constructor (private readonly control: CongestionControl, private readonly facts: PathFacts) {}

  /** `messageBytes`: the request's size, from which the estimator reserves tokens before the call. */
  admit (path: ChosenPath, _nowMs: number, messageBytes: number): true | PathRefusal {
    const r = this.control.admitNow(path.capability, messageBytes, this.offer(path))
    if (!r.ok) return refusalOf(r, path)
    return this.track(path, r.ticket, r.estimate)
  }

  private offer (path: ChosenPath): PathOffer {
    const f = this.facts(path)
    return { org: path.originOrg, agent: path.agentId, capability: path.capability, costUsd: path.costUsd, p95Ms: f?.p95Ms ?? Infinity, tags: f?.tags ?? [] }
  }

  /** Keeps an admitted task's ticket until its settlement (bounded per path). */
  private track (path: ChosenPath, ticket: string, estimate: Usage): true | PathRefusal {
    const key = `${path.originOrg}/${path.agentId}`
    let q = this.open.get(key)
    if (q === undefined) this.open.set(key, q = [])
    if (q.length >= MAX_OPEN_PER_PATH) {
      this.control.cancel(ticket)
      return { reason: 'over-window', retryAfterMs: 1000, text: 'over window, too many tasks open on this path, retry after 1 s' }
    }
    q.push({ ticket, estimate })
    return true
  }

  /**
   * Every path was refused for lack of room: wait in the window's bounded queue (its
   * deadline is `windows.queueTimeoutMs`) for the first of `paths` that frees up.
   */
  async waitForRoom (paths: readonly ChosenPath[], _nowMs: number, messageBytes: number): Promise<ChosenPath | PathRefusal> {
    const first = paths[0]
    if (first === undefined) return { reason: 'over-window', retryAfterMs: 1000, text: 'over window, no path, retry after 1 s' }
    const r = await this.control.admit({ capability: first.capability, messageBytes, paths: paths.map((p) => this.offer(p)) })
    if (!r.ok) return refusalOf(r, first)
    const path = paths.find((p) => p.originOrg === r.path.org && p.agentId === r.path.agent)
    if (path === undefined) { this.control.cancel(r.ticket); return { reason: 'over-window', retryAfterMs: 1000, text: 'over window, retry after 1 s' } }
    const tracked = this.track(path, r.ticket, r.estimate)
    return tracked === true ? path : tracked
  }

  settle (path: ChosenPath, s: ForwardSettlement, _nowMs: number): void {
    const key = `${path.originOrg}/${path.agentId}`
    const q = this.open.get(key)
    const t = q?.shift()
    if (q !== undefined && q.length === 0) this.open.delete(key)
    if (t === undefined) return
    const outcome = windowOutcome(s, t.estimate)
    if (outcome === undefined) this.control.cancel(t.ticket)
    else this.control.settle(t.ticket, outcome)
  }
}

function refusalOf (r: { readonly reason: string, readonly retryAfterMs: number, readonly budget?: string }, path: ChosenPath): PathRefusal {
  const reason = r.reason === 'over-budget' ? 'over-budget' : 'over-window'
  const what = reason === 'over-budget' ? `over budget${r.budget !== undefined ? ` '${r.budget}'` : ''}` : `over window on ${path.originOrg}/${path.agentId}`
  return { reason, retryAfterMs: r.retryAfterMs, text: `${what}, retry after ${Math.ceil(r.retryAfterMs / 1000)} s` }
}

/** A settlement as the window sees it; undefined: the task never reached the agent (no signal). */
export function windowOutcome (s: ForwardSettlement, estimate: Usage): TaskOutcome | undefined {
  const usage = { tokens: estimate.tokens, usd: s.costUsd }
  switch (s.outcome) {
    case 'success': return { kind: 'success', latencyMs: s.latencyMs, usage }
    case 'timeout': return { kind: 'timeout', usage }
    case 'overloaded': return { kind: 'overload', usage: { tokens: 0, usd: 0 } }
    case 'failure': return s.accepted ? { kind: 'failure', usage } : { kind: 'failure', usage: { tokens: 0, usd: 0 } }
    default: return undefined
  }
}
