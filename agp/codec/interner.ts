/**
 * Shared copies of the strings, string lists and small values that decoded routes
 * repeat: every route of one origin names the same org and peer id, a hundred routes
 * name one capability, nearly every org path, cluster list or tag list is one of a few,
 * and so are latency figures and win-rate evidence measured at one time. A decoder makes a
 * new string (and a new array) for each; held in the RIBs, those duplicates were a large
 * part of a route's memory.
 *
 * Bounded: past `maxEntries` an interner starts over empty (later routes share the
 * copies made from then on; nothing already decoded changes). Interned lists and values
 * are frozen, since every route that holds one shares it.
 */
import type { LatencyMs, WinRateEvidence } from '../route/route.ts'

export class StringInterner {
  readonly maxEntries: number
  private readonly strings = new Map<string, string>()

  constructor (maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size (): number { return this.strings.size }

  /** The copy of `s` held here (equal to `s`), `s` itself when it is new. */
  intern (s: string): string {
    const hit = this.strings.get(s)
    if (hit !== undefined) return hit
    if (this.strings.size >= this.maxEntries) this.strings.clear()
    this.strings.set(s, s)
    return s
  }
}

const EMPTY_LIST: readonly string[] = Object.freeze([])

export class ListInterner {
  readonly maxEntries: number
  private readonly lists = new Map<string, readonly string[]>()

  constructor (maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size (): number { return this.lists.size }

  /**
   * A frozen list equal to `list`, shared with every other list interned equal to it.
   * `strings` interns the entries of a list seen for the first time.
   */
  intern (list: readonly string[], strings: StringInterner): readonly string[] {
    if (list.length === 0) return EMPTY_LIST
    // '\n' appears in no entry of a list the codec checked (ids, tags: no whitespace).
    const key = list.length === 1 ? list[0] as string : list.join('\n')
    const hit = this.lists.get(key)
    if (hit !== undefined) return hit
    if (this.lists.size >= this.maxEntries) this.lists.clear()
    const shared = Object.freeze(list.map((s) => strings.intern(s)))
    this.lists.set(key, shared)
    return shared
  }
}

/** Frozen values shared under a key that names their content (e.g. `${p50}/${p95}`). */
export class ValueInterner<T extends object> {
  readonly maxEntries: number
  private readonly values = new Map<string, T>()

  constructor (maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size (): number { return this.values.size }

  /** The value held under `key`; else `value`, frozen and held from now on. */
  intern (key: string, value: T): T {
    const hit = this.values.get(key)
    if (hit !== undefined) return hit
    if (this.values.size >= this.maxEntries) this.values.clear()
    this.values.set(key, Object.freeze(value))
    return value
  }
}

/**
 * The interners of route values (the decoders', and a reflector's cluster lists). 65,536 strings of up to 128 characters and as many lists
 * keep at most a few tens of MB alive, and only for tables that hold that many distinct
 * values anyway.
 */
export const routeStrings = new StringInterner(65_536)
export const routeLists = new ListInterner(65_536)
/** Signed measurements many routes repeat. */
export const routeLatencies = new ValueInterner<LatencyMs>(65_536)
export const routeWinRates = new ValueInterner<WinRateEvidence>(65_536)
