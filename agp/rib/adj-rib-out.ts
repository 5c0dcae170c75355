/**
 * Adj-RIB-Out of one neighbor (RFC 4271 §3.2): what we last advertised to it, after
 * export policy and path-attribute rewriting. It lets the Speaker send only
 * differences, and answer ROUTE_REFRESH (RFC 2918) by resending it.
 *
 * Bounded by what we hold: an entry exists only for a path in our Loc-RIB (or local
 * agents), so it can never outgrow the Loc-RIB.
 */
import type { WithdrawnPath } from '../route/route.ts'
import type { Route } from '../route/route.ts'

/** What has to go on the wire for one path to bring the neighbor up to date. */
export interface OutDiff {
  readonly withdraw?: WithdrawnPath
  readonly announce?: Route
}

export class AdjRibOut {
  readonly peer: string
  private readonly sent = new Map<string, Route>()

  constructor (peer: string) {
    this.peer = peer
  }

  get size (): number { return this.sent.size }
  get (key: string): Route | undefined { return this.sent.get(key) }
  values (): IterableIterator<Route> { return this.sent.values() }
  entries (): IterableIterator<[string, Route]> { return this.sent.entries() }
  clear (): void { this.sent.clear() }

  /**
   * Records that the neighbor should now hold `desired` under `key` (the Speaker uses
   * ribKey(capability, path); undefined: nothing) and returns what to send. Nothing
   * when the neighbor already holds the same advertisement. Should a key's route
   * change capability, it is withdrawn under the old one and announced under the new.
   */
  update (key: string, desired: Route | undefined): OutDiff {
    const prev = this.sent.get(key)
    if (desired === undefined) {
      if (prev === undefined) return {}
      this.sent.delete(key)
      return { withdraw: withdrawnOf(prev) }
    }
    if (prev !== undefined && sameAdvertisement(prev, desired)) return {}
    this.sent.set(key, desired)
    if (prev !== undefined && prev.attrs.capability !== desired.attrs.capability) {
      return { withdraw: withdrawnOf(prev), announce: desired }
    }
    return { announce: desired }
  }

  /** update() appending to the caller's lists instead of returning a diff object (the Speaker's flush loop). */
  updateInto (key: string, desired: Route | undefined, withdraws: WithdrawnPath[], announces: Route[]): void {
    const prev = this.sent.get(key)
    if (desired === undefined) {
      if (prev === undefined) return
      this.sent.delete(key)
      withdraws.push(withdrawnOf(prev))
      return
    }
    if (prev !== undefined && sameAdvertisement(prev, desired)) return
    this.sent.set(key, desired)
    if (prev !== undefined && prev.attrs.capability !== desired.attrs.capability) withdraws.push(withdrawnOf(prev))
    announces.push(desired)
  }
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

export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function sameStrings (a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
