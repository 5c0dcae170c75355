/**
 * Checks a Yjs update against the doc it is about to enter, before anything changes,
 * and lists the entry keys it writes. Yjs itself trusts its input: a struct of another
 * client would let a writer forge someone else's item ids (and provenance), and a
 * reference to an item nobody has would sit in Yjs's pending set forever. So:
 *   - every struct belongs to the envelope's clientId, in one contiguous clock run
 *     starting where the doc's state for that client ends;
 *   - every origin / right origin / parent id points at an item the doc already holds
 *     or at one of the update's own structs before it, every delete range at items
 *     the doc holds or the update brings;
 *   - root types are 'entries' or 'text:<key>' only, entry and text keys obey the
 *     API's key rule, contents are JSON values (ContentAny, checked with the API's
 *     value rule: depth, size, finite numbers, well-formed strings, no `__proto__`)
 *     or text (ContentString): no nested Yjs types, subdocuments, embeds or binaries.
 * Deletions of other writers' items are allowed (the delete set is shared).
 */
import * as Y from 'yjs'
import { entryKeyProblem, entryValueProblem } from './json-value.ts'
import { decodeUpdate } from './update-decode.ts'
import type { DecodedUpdate } from './update-decode.ts'
import type { MemoryLimits } from './limits.ts'
import type { RefuseReason } from './refuse-reason.ts'

export const ENTRIES_ROOT = 'entries'
export const TEXT_ROOT_PREFIX = 'text:'

export interface KeyWrite {
  /** The value last written to the key by this update (null when deleted). */
  readonly value: unknown
  readonly deleted: boolean
}

export interface UpdateInspection {
  /** Clock run [from, to) of the envelope's client; from === to for a delete-only update. */
  readonly from: number
  readonly to: number
  /** Entry keys this update sets or deletes, with the final effect. */
  readonly writes: ReadonlyMap<string, KeyWrite>
}


export type InspectResult =
  | { readonly ok: true, readonly inspection: UpdateInspection, readonly decoded: DecodedUpdate }
  | { readonly ok: false, readonly reason: RefuseReason, readonly detail: string }

interface Ref { readonly client: number, readonly clock: number }

/** What the checks of one update share (module functions, not closures: inspection runs once per envelope). */
interface Scope {
  readonly doc: Y.Doc
  readonly entries: Y.Map<unknown>
  readonly clientId: number
  /** The update's clock run [from, to) of clientId. */
  readonly from: number
  readonly to: number
  /**
   * Entry key of each of the update's own map items (map items have length 1), as
   * clock, key pairs in increasing clock order: a flat array, not a map, because most
   * updates write one key and inspection runs for every envelope received.
   */
  readonly ownKeys: Array<number | string>
}

/**
 * True when item (client, clock) is in the doc, or is one of the update's own structs
 * below `ownBelow`: a struct may refer only to own structs before it (Yjs integrates
 * them in clock order and finds each origin as it goes; a reference forward has
 * nothing to find yet), a delete range to any of them (deletes apply last).
 */
function known (c: Scope, client: number, clock: number, ownBelow: number): boolean {
  return clock < (client === c.clientId ? ownBelow : Y.getState(c.doc.store, client))
}

/** `r` when it is an item id that is not known; undefined otherwise (no id, or known). */
function unknownRef (c: Scope, r: unknown, ownBelow: number): Ref | undefined {
  return r instanceof Y.ID && !known(c, r.client, r.clock, ownBelow) ? r : undefined
}

function keyOf (c: Scope, r: Ref): string | undefined {
  if (r.client === c.clientId && r.clock >= c.from) return ownKeyAt(c.ownKeys, r.clock)
  const it = Y.getItem(c.doc.store, Y.createID(r.client, r.clock))
  return it instanceof Y.Item && it.parent === c.entries && it.parentSub !== null ? it.parentSub : undefined
}

/** The key of the own map item at `clock` (binary search of the clock, key pairs), or undefined. */
function ownKeyAt (pairs: ReadonlyArray<number | string>, clock: number): string | undefined {
  let lo = 0
  let hi = pairs.length / 2 - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = pairs[2 * mid] as number
    if (at === clock) return pairs[2 * mid + 1] as string
    if (at < clock) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

function refuse (reason: RefuseReason, detail: string): InspectResult { return { ok: false, reason, detail } }

/**
 * `localFrom`: inspecting a batch this node sealed itself, whose transactions are in
 * the doc already: its clock run starts there.
 */
export function inspectUpdate (doc: Y.Doc, update: Uint8Array, clientId: number, limits: MemoryLimits, localFrom?: number): InspectResult {
  let decoded: DecodedUpdate
  try { decoded = decodeUpdate(update) } catch (err) { return refuse('malformed-update', (err as Error).message) }
  const entries = doc.getMap(ENTRIES_ROOT)
  const from = localFrom ?? Y.getState(doc.store, clientId)
  let to = from
  for (const s of decoded.structs) {
    if (s instanceof Y.Skip) return refuse('malformed-update', 'update has a gap (skip struct)')
    if (s.id.client !== clientId) return refuse('foreign-structs', `struct of client ${s.id.client} in an envelope of client ${clientId}`)
    if (s.id.clock !== to) return refuse('clock-gap', `struct at clock ${s.id.clock}, expected ${to}`)
    to += s.length
  }
  const scope: Scope = { doc, entries, clientId, from, to, ownKeys: [] }
  // The last write to each key, by the item's clock (-1: a delete of an item the update
  // did not bring); one map, finished in place below.
  const writes = new Map<string, { clock: number, value: unknown, deleted: boolean }>()
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue
    const unknown = unknownRef(scope, s.origin, s.id.clock) ?? unknownRef(scope, s.rightOrigin, s.id.clock) ?? unknownRef(scope, s.parent, s.id.clock)
    if (unknown !== undefined) return refuse('missing-references', `reference to unknown item ${unknown.client}:${unknown.clock}`)
    const badContent = contentProblem(s.content, limits)
    if (badContent !== undefined) return refuse('bad-value', `item ${s.id.client}:${s.id.clock}: ${badContent}`)
    let key: string | undefined
    const parent = s.parent as unknown
    if (typeof parent === 'string') {
      if (parent !== ENTRIES_ROOT && !parent.startsWith(TEXT_ROOT_PREFIX)) return refuse('bad-root', `root type "${parent.slice(0, 64)}" is not entries or text:*`)
      const name = parent === ENTRIES_ROOT ? s.parentSub : parent.slice(TEXT_ROOT_PREFIX.length)
      const badKey = name === null ? undefined : entryKeyProblem(name, limits)
      if (badKey !== undefined) return refuse('bad-value', `key "${(name ?? '').slice(0, 64)}" ${badKey}`)
      if (parent === ENTRIES_ROOT && s.parentSub !== null) key = s.parentSub
    } else if (s.parentSub !== null) {
      // A map key under a nested type: there are none (contentProblem refuses them), and
      // the key must still obey the rule if a later change allows them.
      const badKey = entryKeyProblem(s.parentSub, limits)
      if (badKey !== undefined) return refuse('bad-value', `key "${s.parentSub.slice(0, 64)}" ${badKey}`)
    } else if (parent === null) {
      const ref = s.origin ?? s.rightOrigin
      if (ref !== null) key = keyOf(scope, ref)
    }
    if (key === undefined) continue
    scope.ownKeys.push(s.id.clock, key)
    const value = s.content instanceof Y.ContentAny ? s.content.arr[s.content.arr.length - 1] : null
    const w = writes.get(key)
    const deleted = s.deleted || !(s.content instanceof Y.ContentAny)
    if (w === undefined) writes.set(key, { clock: s.id.clock, value: deleted ? null : value, deleted })
    else { w.clock = s.id.clock; w.value = deleted ? null : value; w.deleted = deleted }
  }
  const written = writes.size
  for (const [client, items] of decoded.ds.clients) {
    for (const di of items) {
      if (!known(scope, client, di.clock + di.len - 1, to)) return refuse('missing-references', `delete of unknown range ${client}:${di.clock}+${di.len}`)
      collectDeletedKeys(scope, client, di.clock, di.len, writes)
    }
  }
  if (decoded.ds.clients.size > 0 && written > 0) {
    for (const w of writes.values()) {
      if (w.clock >= 0 && !w.deleted && Y.isDeleted(decoded.ds, Y.createID(clientId, w.clock))) { w.value = null; w.deleted = true }
    }
  }
  return { ok: true, inspection: { from, to, writes }, decoded }
}

/** Why an item's content may not enter a memory doc; undefined when it may. */
function contentProblem (content: Y.Item['content'], limits: MemoryLimits): string | undefined {
  if (content instanceof Y.ContentString || content instanceof Y.ContentDeleted) return undefined
  if (!(content instanceof Y.ContentAny)) return `content ${content.constructor.name} is not a JSON value or text`
  for (const v of content.arr) {
    const bad = entryValueProblem(v, limits)
    if (bad !== undefined) return `value ${bad}`
  }
  return undefined
}

/** Records a delete for every entry key in the range that `out` has no write for yet. */
function collectDeletedKeys (c: Scope, client: number, clock: number, len: number, out: Map<string, { clock: number, value: unknown, deleted: boolean }>): void {
  // Every entry item in the range counts, deleted already or not: what an envelope
  // deletes must not depend on what the receiver applied before (history is the same
  // on every node whatever the arrival order).
  const end = clock + len
  const { clientId: ownClient, from: ownFrom } = c
  if (client === ownClient) {
    const own = c.ownKeys
    for (let i = 0; i < own.length; i += 2) {
      const at = own[i] as number
      if (at >= clock && at < end) addDelete(out, own[i + 1] as string)
    }
    if (clock >= ownFrom) return
  }
  const structs = c.doc.store.clients.get(client)
  if (structs === undefined) return
  const stop = client === ownClient ? Math.min(end, ownFrom) : end
  for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
    const s = structs[i]
    if (s === undefined || s.id.clock >= stop) break
    if (s instanceof Y.Item && s.parent === c.entries && s.parentSub !== null) addDelete(out, s.parentSub)
  }
}

function addDelete (out: Map<string, { clock: number, value: unknown, deleted: boolean }>, key: string): void {
  if (!out.has(key)) out.set(key, { clock: -1, value: null, deleted: true })
}
