/**
 * Adj-RIB-In of one neighbor (RFC 4271 §3.2): the routes it advertised to us, as
 * received, before import policy and decision. Keyed by path id (origin org, agent
 * id): a neighbor holds at most one advertisement per path, the latest.
 *
 * Bounded by `maxRoutes`: a new path past the bound throws LimitExceededError, which
 * the Speaker turns into NOTIFICATION Cease/MaxPrefixesReached (RFC 4486).
 *
 * Graceful restart (RFC 4724 §4.2): when the session drops, every route is marked
 * stale; a route the neighbor sends again loses the mark; flushStale() removes what
 * was not re-sent (on END_OF_RIB or when the restart timer expires).
 */
import { LimitExceededError } from '../../kernel/index.ts'
import type { PathKey, Route } from '../route/route.ts'
import { pathKeyOf } from './keys.ts'

/** What changed in one Adj-RIB-In since the last takeChanges(): enough to bring a copy of it up to date. */
export interface AdjRibInChanges {
  /** The current advertisement of every path that changed and is held. */
  readonly upserts: readonly Route[]
  /** (capability, path) pairs a copy may hold that are no longer held under that capability. */
  readonly deletes: readonly { readonly capability: string, readonly path: PathKey }[]
}

export class AdjRibIn {
  readonly peer: string
  readonly maxRoutes: number
  private readonly routes = new Map<PathKey, Route>()
  private readonly staleKeys = new Set<PathKey>()
  /**
   * Paths changed since the last takeChanges(), each with the capability it was held
   * under before its first change (null: it was not held). Off (undefined) until the
   * first takeChanges(): only a driver that persists the table pays for it.
   */
  private journal: Map<PathKey, string | null> | undefined

  constructor (peer: string, maxRoutes: number) {
    this.peer = peer
    this.maxRoutes = maxRoutes
  }

  get size (): number { return this.routes.size }
  get staleCount (): number { return this.staleKeys.size }

  get (key: PathKey): Route | undefined { return this.routes.get(key) }
  has (key: PathKey): boolean { return this.routes.has(key) }
  isStale (key: PathKey): boolean { return this.staleKeys.size > 0 && this.staleKeys.has(key) }

  /**
   * Stores the neighbor's latest advertisement of a path and clears its stale mark.
   * Returns the advertisement it replaces. Throws LimitExceededError (and stores
   * nothing) when the path is new and the table is full. `key` is pathKeyOf(route),
   * when the caller already has it.
   */
  set (route: Route, key: PathKey = pathKeyOf(route)): Route | undefined {
    const prev = this.routes.get(key)
    if (prev === undefined && this.routes.size >= this.maxRoutes) {
      throw new LimitExceededError(`neighbor ${this.peer} sent more than ${this.maxRoutes} routes`, this.maxRoutes)
    }
    this.note(key, prev)
    this.routes.set(key, route)
    if (this.staleKeys.size > 0) this.staleKeys.delete(key)
    return prev
  }

  /**
   * Replaces a held advertisement by the same one with a new freshness stamp (a batch
   * refresh: agp/route/batch-refresh.ts). Not a change of what the neighbor sent: the
   * stale mark stays and nothing is journaled, since the bytes a persisted copy holds
   * are the same. False (nothing stored) when the path is not held.
   */
  restamp (key: PathKey, route: Route): boolean {
    if (!this.routes.has(key)) return false
    this.routes.set(key, route)
    return true
  }

  delete (key: PathKey): Route | undefined {
    const prev = this.routes.get(key)
    if (prev === undefined) return undefined
    this.note(key, prev)
    this.routes.delete(key)
    this.staleKeys.delete(key)
    return prev
  }

  /** Graceful restart: marks every route stale; returns how many. */
  markAllStale (): number {
    for (const key of this.routes.keys()) this.staleKeys.add(key)
    return this.staleKeys.size
  }

  /** Removes the routes still marked stale and returns them (in insertion order). */
  flushStale (): Route[] {
    const flushed: Route[] = []
    for (const key of this.staleKeys) {
      const route = this.routes.get(key)
      if (route !== undefined) { flushed.push(route); this.note(key, route) }
      this.routes.delete(key)
    }
    this.staleKeys.clear()
    return flushed
  }

  /** Removes everything and returns what was held. */
  clear (): Route[] {
    const all = [...this.routes.values()]
    if (this.journal !== undefined) for (const [key, route] of this.routes) this.note(key, route)
    this.routes.clear()
    this.staleKeys.clear()
    return all
  }

  /**
   * What changed since the previous call, and the journal restarts empty. The first call
   * only turns the journal on and returns undefined: the caller copies the whole table.
   */
  takeChanges (): AdjRibInChanges | undefined {
    const journal = this.journal
    this.journal = new Map()
    if (journal === undefined) return undefined
    const upserts: Route[] = []
    const deletes: { capability: string, path: PathKey }[] = []
    for (const [path, before] of journal) {
      const now = this.routes.get(path)
      if (before !== null && before !== now?.attrs.capability) deletes.push({ capability: before, path })
      if (now !== undefined) upserts.push(now)
    }
    return { upserts, deletes }
  }

  private note (key: PathKey, before: Route | undefined): void {
    if (this.journal !== undefined && !this.journal.has(key)) this.journal.set(key, before?.attrs.capability ?? null)
  }

  values (): IterableIterator<Route> { return this.routes.values() }
  entries (): IterableIterator<[PathKey, Route]> { return this.routes.entries() }
}
