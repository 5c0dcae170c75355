/**
 * A consumer's own outcomes (POST /v1/outcomes), kept as decayed evidence per path.
 * Pure: time comes in as nowMs. Bounded: past `maxEntries` the least recently
 * updated path is forgotten (its evidence has been decaying the longest).
 *
 * Each entry stores evidence as of `atMs`; reading or updating decays it to nowMs
 * first, so one multiplication per access replaces any timer.
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

interface Entry {
  readonly ev: Evidence
  readonly atMs: number
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
  recordOutcome (key: string, success: boolean, nowMs: number): void {
    const prev = this.entries.get(key)
    const base = prev === undefined ? NO_EVIDENCE : this.decayed(prev, nowMs)
    // Keep the later of the two times: a clock that steps back must not "un-decay" evidence.
    const atMs = prev === undefined ? nowMs : Math.max(prev.atMs, nowMs)
    this.entries.delete(key)
    this.entries.set(key, { ev: { wins: base.wins + (success ? 1 : 0), trials: base.trials + 1 }, atMs })
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
