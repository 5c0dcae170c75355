/**
 * Adj-RIB-Out of one neighbor (RFC 4271 §3.2): what we last advertised to it, after
 * export policy and path-attribute rewriting. It lets the Speaker send only
 * differences, and answer ROUTE_REFRESH (RFC 2918) by resending it.
 *
 * The neighbors of one Speaker keep their Adj-RIB-Outs in one AdjRibOutTable, as BGP
 * implementations share one per update group: a reflector sends the same route to
 * most of its clients, so a key holds one route and a bit per neighbor that holds it,
 * not one map entry per neighbor. A neighbor that holds another advertisement of the
 * key than the one shared keeps it on its own. What a neighbor is said to hold is
 * exactly what a map of its own would hold, up to sameAdvertisement(): the only way
 * anything reads a held route (besides withdrawnOf, which reads its key).
 *
 * Bounded by what we hold: an entry exists only for a path in our Loc-RIB (or local
 * agents), so it can never outgrow the Loc-RIB.
 */
import type { PathKey, Route, WithdrawnPath } from '../route/route.ts'
import { sameBytes } from '../../kernel/index.ts'

/** What has to go on the wire for one path to bring the neighbor up to date. */
export interface OutDiff {
  readonly withdraw?: WithdrawnPath
  readonly announce?: Route
}

/** Neighbors per shard: one bit each in an integer V8 keeps unboxed (below 2^30). */
const SHARD_MEMBERS = 30

type ByCapability<T> = Map<string, Map<PathKey, T>>

/**
 * Each key's shared advertisement and the members (bits) that hold it, in two arrays
 * at the key's entry number: no object per key.
 */
class Shard {
  /** capability → path → entry number. */
  readonly held: ByCapability<number> = new Map()
  readonly routes: (Route | undefined)[] = []
  readonly bits: number[] = []
  /** Entry numbers free for reuse. */
  readonly free: number[] = []
  /** Bits of the slots taken. */
  used = 0

  add (route: Route, bits: number): number {
    const at = this.free.pop()
    if (at === undefined) {
      this.routes.push(route)
      this.bits.push(bits)
      return this.routes.length - 1
    }
    this.routes[at] = route
    this.bits[at] = bits
    return at
  }

  /** Takes `bit` off entry `at` of (capability, path); frees the entry when no member holds it any more. */
  unshare (capability: string, paths: Map<PathKey, number>, path: PathKey, at: number, bit: number): void {
    const left = (this.bits[at] as number) & ~bit
    this.bits[at] = left
    if (left !== 0) return
    this.routes[at] = undefined
    this.free.push(at)
    paths.delete(path)
    if (paths.size === 0) this.held.delete(capability)
  }
}

/** The Adj-RIB-Outs of one Speaker's neighbors, stored together (see the file comment). */
export class AdjRibOutTable {
  private readonly shards: Shard[] = []

  /** A new, empty Adj-RIB-Out for a neighbor, stored in this table until release(). */
  member (peer: string): AdjRibOut {
    let shard = this.shards.find((s) => s.used !== FULL)
    if (shard === undefined) {
      shard = new Shard()
      this.shards.push(shard)
    }
    let slot = 0
    while ((shard.used & (1 << slot)) !== 0) slot++
    shard.used |= 1 << slot
    return new AdjRibOut(peer, shard, 1 << slot)
  }

  /** Forgets a neighbor's Adj-RIB-Out; the object must not be used again. */
  release (out: AdjRibOut): void {
    out.clear()
    out.release()
  }

  /** Keys stored (shared entries, over all shards): for tests and views. */
  get sharedEntries (): number {
    let n = 0
    for (const s of this.shards) for (const m of s.held.values()) n += m.size
    return n
  }
}

const FULL = (1 << SHARD_MEMBERS) - 1

export class AdjRibOut {
  readonly peer: string
  private shard: Shard | undefined
  private readonly bit: number
  /** Advertisements this neighbor holds that are not its shard's shared one. */
  private readonly own: ByCapability<Route> = new Map()
  private count = 0

  /** Use AdjRibOutTable.member(). */
  constructor (peer: string, shard: Shard, bit: number) {
    this.peer = peer
    this.shard = shard
    this.bit = bit
  }

  get size (): number { return this.count }

  get (capability: string, path: PathKey): Route | undefined {
    if (this.own.size > 0) {
      const r = this.own.get(capability)?.get(path)
      if (r !== undefined) return r
    }
    const shard = this.live()
    const at = shard.held.get(capability)?.get(path)
    return at !== undefined && ((shard.bits[at] as number) & this.bit) !== 0 ? shard.routes[at] : undefined
  }

  /** The (capability, path) keys held, shared ones first (each in the order first stored). */
  * keys (): Generator<readonly [string, PathKey]> {
    const shard = this.live()
    for (const [capability, paths] of shard.held) {
      for (const [path, at] of paths) if (((shard.bits[at] as number) & this.bit) !== 0) yield [capability, path]
    }
    for (const [capability, paths] of this.own) for (const path of paths.keys()) yield [capability, path]
  }

  /** Forgets everything held (a walk of the shard's keys). */
  clear (): void {
    const shard = this.live()
    const bit = this.bit
    for (const [capability, paths] of shard.held) {
      for (const [path, at] of paths) if (((shard.bits[at] as number) & bit) !== 0) shard.unshare(capability, paths, path, at, bit)
    }
    this.own.clear()
    this.count = 0
  }

  /**
   * Records that the neighbor should now hold `desired` under (capability, path)
   * (undefined: nothing) and returns what to send: nothing when it already holds the
   * same advertisement. `desired` is an advertisement of that capability.
   */
  update (capability: string, path: PathKey, desired: Route | undefined): OutDiff {
    const withdraws: WithdrawnPath[] = []
    const announces: Route[] = []
    this.updateInto(capability, path, desired, withdraws, announces)
    return {
      ...(withdraws[0] === undefined ? {} : { withdraw: withdraws[0] }),
      ...(announces[0] === undefined ? {} : { announce: announces[0] })
    }
  }

  /** update() appending to the caller's lists instead of returning a diff object (the Speaker's flush loop). */
  updateInto (capability: string, path: PathKey, desired: Route | undefined, withdraws: WithdrawnPath[], announces: Route[]): void {
    const shard = this.live()
    const bit = this.bit
    let paths = shard.held.get(capability)
    const at = paths?.get(path)
    const bits = at === undefined ? 0 : shard.bits[at] as number
    const ownPaths = this.own.size > 0 ? this.own.get(capability) : undefined
    const ownRoute = ownPaths?.get(path)
    const prev = ownRoute ?? ((bits & bit) !== 0 ? shard.routes[at as number] : undefined)
    if (desired === undefined) {
      if (prev === undefined) return
      if (ownRoute !== undefined) deleteIn(this.own, capability, ownPaths as Map<PathKey, Route>, path)
      else shard.unshare(capability, paths as Map<PathKey, number>, path, at as number, bit)
      this.count--
      withdraws.push(withdrawnOf(prev))
      return
    }
    if (prev !== undefined && sameAdvertisement(prev, desired)) return
    if (prev === undefined) this.count++
    if (ownRoute !== undefined) deleteIn(this.own, capability, ownPaths as Map<PathKey, Route>, path)
    if (at === undefined) {
      if (paths === undefined) {
        paths = new Map()
        shard.held.set(capability, paths)
      }
      paths.set(path, shard.add(desired, bit))
    } else if (bits === bit) {
      // Ours alone: the shared advertisement becomes the new one.
      shard.routes[at] = desired
    } else if (sameAdvertisement(shard.routes[at] as Route, desired)) {
      shard.bits[at] = bits | bit
    } else {
      shard.bits[at] = bits & ~bit
      let mine = this.own.get(capability)
      if (mine === undefined) {
        mine = new Map()
        this.own.set(capability, mine)
      }
      mine.set(path, desired)
    }
    announces.push(desired)
  }

  /** AdjRibOutTable.release(): frees the slot. */
  release (): void {
    const shard = this.live()
    shard.used &= ~this.bit
    this.shard = undefined
  }

  private live (): Shard {
    if (this.shard === undefined) throw new Error(`Adj-RIB-Out of ${this.peer} used after release`)
    return this.shard
  }
}

function deleteIn<T> (map: ByCapability<T>, capability: string, paths: Map<PathKey, T>, path: PathKey): void {
  paths.delete(path)
  if (paths.size === 0) map.delete(capability)
}

export function withdrawnOf (route: Route): WithdrawnPath {
  return { capability: route.attrs.capability, originOrg: route.attrs.originOrg, agentId: route.attrs.agentId }
}

/**
 * Same advertisement on the wire: the same signed bytes (one origin advertisement)
 * and the same unsigned path attributes. Signatures are compared by content, since
 * a decoded frame carries its own copy of the bytes.
 */
export function sameAdvertisement (a: Route, b: Route): boolean {
  if (a === b) return true
  return a.attrs.originSeq === b.attrs.originSeq && a.attrs.capability === b.attrs.capability &&
    sameBytes(a.signature, b.signature) && a.originatorId === b.originatorId &&
    sameStrings(a.orgPath, b.orgPath) && sameStrings(a.clusterList, b.clusterList) && sameStrings(a.pathTags, b.pathTags)
}

export function sameStrings (a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
