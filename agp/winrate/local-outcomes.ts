/**
 * A consumer's own outcomes (POST /v1/outcomes), kept as decayed evidence per path.
 * Pure: time comes in as nowMs. Bounded: past `maxEntries` the least recently
 * updated path is forgotten (its evidence has been decaying the longest).
 *
 * Each entry stores evidence as of `atMs`; reading or updating decays it to nowMs
 * first, so one multiplication per access replaces any timer.
 *
 * Beside the evidence, each path has a circuit breaker that does not decay: after
 * `BREAKER_FAILURES` failures in a row it opens for `BREAKER_OPEN_MS` (resolve ranks the
 * path below every path whose breaker is closed), then half-opens. A half-open breaker
 * admits exactly one probe at a time: the caller that takes the probe (`takeProbe`) sees
 * the path as healthy, every other caller keeps seeing it open until the probe's
 * outcome arrives (a success closes the breaker, a failure opens it for another
 * interval) or `BREAKER_PROBE_TIMEOUT_MS` passes without one. Letting every caller
 * through at once would send a burst of calls to an agent that was failing a moment ago.
 * The probe slot is not persisted: after a restart one probe may go again. Evidence alone cannot do this: decayed wins from
 * before the failures, or a better advertised score, can keep a failing agent on top.
 * And the latency and cost the consumer reports are kept as moving averages, which
 * resolve uses in place of what the origin advertises.
 */
import { InvalidArgumentError } from '../../kernel/index.ts'
import { decayEvidence, NO_EVIDENCE, type Evidence } from './evidence.ts'

export interface LocalOutcomesInit {
  /** Half-life of local evidence; docs/decision-process.md suggests evidenceHalfLifeMs(freshness). */
  readonly halfLifeMs: number
  /** Bound on remembered paths. */
  readonly maxEntries?: number
}

export const DEFAULT_LOCAL_OUTCOMES_MAX_ENTRIES = 10_000

/** Failures in a row that open a path's breaker. */
export const BREAKER_FAILURES = 5
/** How long an open breaker stays open before its half-open probe. */
export const BREAKER_OPEN_MS = 30_000
/** A probe whose outcome never arrives frees the half-open slot after this long. */
export const BREAKER_PROBE_TIMEOUT_MS = 30_000
/** Weight of a new report in the latency and cost moving averages. */
const MEASURED_WEIGHT = 0.2

export type BreakerState = 'closed' | 'open' | 'half-open'

/** What the consumer reported besides success (POST /v1/outcomes latencyMs, costUsd). */
export interface OutcomeMeasures {
  readonly latencyMs?: number
  readonly costUsd?: number
}

/** One path's remembered outcomes, as persisted and as shown by GET /v1/outcomes. */
export interface OutcomeRecord {
  readonly key: string
  readonly wins: number
  readonly trials: number
  readonly atMs: number
  readonly consecutiveFailures: number
  /** When the breaker last opened (undefined: never, or closed since). */
  readonly openedAtMs?: number
  readonly latencyMs?: number
  readonly costUsd?: number
}

interface Entry {
  readonly ev: Evidence
  readonly atMs: number
  readonly consecutiveFailures: number
  readonly openedAtMs: number | undefined
  readonly latencyMs: number | undefined
  readonly costUsd: number | undefined
  /** When the half-open probe was handed out (undefined: none in flight). */
  readonly probeAtMs?: number
}

export class LocalOutcomes {
  readonly halfLifeMs: number
  readonly maxEntries: number
  // Map iteration order is insertion order: re-inserting on update makes it an LRU.
  private readonly entries = new Map<string, Entry>()

  constructor (init: LocalOutcomesInit) {
    if (!(init.halfLifeMs > 0)) throw new InvalidArgumentError(`local outcome half-life must be > 0 ms, got ${init.halfLifeMs}`)
    const max = init.maxEntries ?? DEFAULT_LOCAL_OUTCOMES_MAX_ENTRIES
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError(`maxEntries must be a positive integer, got ${max}`)
    this.halfLifeMs = init.halfLifeMs
    this.maxEntries = max
  }

  /** Record one outcome for a path key (e.g. pathKey(org, agent)). */
  recordOutcome (key: string, success: boolean, nowMs: number, measures: OutcomeMeasures = {}): void {
    const prev = this.entries.get(key)
    const base = prev === undefined ? NO_EVIDENCE : this.decayed(prev, nowMs)
    // Keep the later of the two times: a clock that steps back must not "un-decay" evidence.
    const atMs = prev === undefined ? nowMs : Math.max(prev.atMs, nowMs)
    const failures = success ? 0 : (prev?.consecutiveFailures ?? 0) + 1
    let openedAtMs = success ? undefined : prev?.openedAtMs
    // Opens at the threshold, and again on a failed half-open probe.
    if (!success && failures >= BREAKER_FAILURES && (openedAtMs === undefined || nowMs - openedAtMs >= BREAKER_OPEN_MS)) openedAtMs = nowMs
    this.entries.delete(key)
    this.set(key, {
      ev: { wins: base.wins + (success ? 1 : 0), trials: base.trials + 1 },
      atMs,
      consecutiveFailures: failures,
      openedAtMs,
      latencyMs: average(prev?.latencyMs, measures.latencyMs),
      costUsd: average(prev?.costUsd, measures.costUsd)
    })
  }

  /** The path's breaker at nowMs ('closed' when nothing is known). */
  breaker (key: string, nowMs: number): BreakerState {
    const e = this.entries.get(key)
    if (e?.openedAtMs === undefined) return 'closed'
    return nowMs - e.openedAtMs < BREAKER_OPEN_MS ? 'open' : 'half-open'
  }

  /**
   * Whether a call may use the path at nowMs: always when closed, never when open, and
   * when half-open only while no probe is in flight.
   */
  admits (key: string, nowMs: number): boolean {
    const state = this.breaker(key, nowMs)
    if (state !== 'half-open') return state === 'closed'
    const probeAtMs = this.entries.get(key)?.probeAtMs
    return probeAtMs === undefined || nowMs - probeAtMs >= BREAKER_PROBE_TIMEOUT_MS
  }

  /**
   * Hands the half-open path's one probe to the caller: true when the breaker is
   * half-open and no probe is in flight (the slot is now taken), false otherwise.
   */
  takeProbe (key: string, nowMs: number): boolean {
    const e = this.entries.get(key)
    if (e === undefined || this.breaker(key, nowMs) !== 'half-open' || !this.admits(key, nowMs)) return false
    // In place, not re-inserted: handing out a probe is not an update for the LRU order.
    this.entries.set(key, { ...e, probeAtMs: nowMs })
    return true
  }

  /** The consumer's moving averages of reported latency and cost, if any were reported. */
  measured (key: string): OutcomeMeasures | undefined {
    const e = this.entries.get(key)
    if (e === undefined || (e.latencyMs === undefined && e.costUsd === undefined)) return undefined
    return { ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}), ...(e.costUsd !== undefined ? { costUsd: e.costUsd } : {}) }
  }

  /** Every remembered path, least recently updated first (the persisted form). */
  records (): OutcomeRecord[] {
    return [...this.entries].map(([key, e]) => ({
      key, wins: e.ev.wins, trials: e.ev.trials, atMs: e.atMs, consecutiveFailures: e.consecutiveFailures,
      ...(e.openedAtMs !== undefined ? { openedAtMs: e.openedAtMs } : {}),
      ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
      ...(e.costUsd !== undefined ? { costUsd: e.costUsd } : {})
    }))
  }

  /** Restores persisted records (in order); ones that are not plausible are skipped. */
  restore (records: readonly OutcomeRecord[]): number {
    let skipped = 0
    for (const r of records) {
      if (!plausible(r)) { skipped++; continue }
      this.entries.delete(r.key)
      this.set(r.key, {
        ev: { wins: r.wins, trials: r.trials }, atMs: r.atMs, consecutiveFailures: r.consecutiveFailures,
        openedAtMs: r.openedAtMs, latencyMs: r.latencyMs, costUsd: r.costUsd
      })
    }
    return skipped
  }

  private set (key: string, e: Entry): void {
    this.entries.set(key, e)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
    }
  }

  /** The path's local evidence decayed to nowMs; undefined when we have none. */
  get (key: string, nowMs: number): Evidence | undefined {
    const e = this.entries.get(key)
    return e === undefined ? undefined : this.decayed(e, nowMs)
  }

  delete (key: string): boolean {
    return this.entries.delete(key)
  }

  get size (): number {
    return this.entries.size
  }

  private decayed (e: Entry, nowMs: number): Evidence {
    return decayEvidence(e.ev, nowMs - e.atMs, this.halfLifeMs)
  }
}

function average (prev: number | undefined, sample: number | undefined): number | undefined {
  if (sample === undefined || !Number.isFinite(sample) || sample < 0) return prev
  return prev === undefined ? sample : prev + MEASURED_WEIGHT * (sample - prev)
}

const finiteAtLeast0 = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0
const optionalFinite = (x: unknown): boolean => x === undefined || finiteAtLeast0(x)

function plausible (r: OutcomeRecord): boolean {
  return typeof r.key === 'string' && r.key.length > 0 && finiteAtLeast0(r.wins) && finiteAtLeast0(r.trials) && r.wins <= r.trials &&
    finiteAtLeast0(r.atMs) && Number.isInteger(r.consecutiveFailures) && r.consecutiveFailures >= 0 &&
    optionalFinite(r.openedAtMs) && optionalFinite(r.latencyMs) && optionalFinite(r.costUsd)
}
