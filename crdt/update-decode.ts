/**
 * Decodes a Yjs v1 update into the structs and delete set Y.decodeUpdate gives, for the
 * updates a memory doc accepts: items whose content is a JSON value (ContentAny), text
 * (ContentString) or a deleted run (ContentDeleted), and GC structs. Yjs's own reader
 * pulls every struct through a generator and a decoder object; this one reads the
 * same bytes in the same order with lib0's functions and builds the same objects
 * (Y.Item, Y.GC, the content classes, a DeleteSet), at a fraction of the cost: it runs
 * once for every envelope a member receives.
 *
 * Strings are most of the cost of Yjs's reader (entry keys, JSON field names and
 * values, each a TextDecoder call on a fresh view): a short ASCII string is built from
 * its bytes here, any other goes to lib0's own reader (the same UTF-8 decoder Yjs uses).
 *
 * Anything else (another content kind, a skip struct, bytes that make a read throw) is
 * handed to Y.decodeUpdate whole, so the result, or the error and its message, is
 * always exactly Yjs's own (update-inspect.ts refuses those updates by what they hold).
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

// Info byte of a struct (Yjs's binary.BIT6…BIT8, BITS5): which fields follow.
const HAS_ORIGIN = 0x80
const HAS_RIGHT_ORIGIN = 0x40
const HAS_PARENT_SUB = 0x20
const CONTENT_REF = 0x1F
const SKIP_INFO = 10
// Content kinds (Yjs's contentRefs) read here; any other goes to Y.decodeUpdate.
const CONTENT_DELETED = 1
const CONTENT_STRING = 4
const CONTENT_ANY = 8
/** Longest string built byte by byte; a longer one costs less through the UTF-8 decoder. */
const SHORT_STRING = 32
// lib0's value tags (its readAny: 127 − tag indexes the readers).
const ANY_STRING = 119
const ANY_OBJECT = 118
const ANY_ARRAY = 117

/** An update's structs and delete set, as Y.decodeUpdate gives them: what inspection checks and applyInspected (update-apply.ts) integrates. */
export interface DecodedUpdate {
  readonly structs: ReadonlyArray<Y.Item | Y.GC>
  readonly ds: ReturnType<typeof Y.decodeUpdate>['ds']
}

/** Y.decodeUpdate(update), the same structs and delete set. */
export function decodeUpdate (update: Uint8Array): DecodedUpdate {
  let decoded: DecodedUpdate | undefined
  try { decoded = readCommon(update) } catch { decoded = undefined }
  return decoded ?? Y.decodeUpdate(update)
}

/** undefined when the update holds something read only by Yjs's own reader. */
function readCommon (update: Uint8Array): DecodedUpdate | undefined {
  const d = decoding.createDecoder(update)
  const structs: Array<Y.Item | Y.GC> = []
  const groups = decoding.readVarUint(d)
  for (let g = 0; g < groups; g++) {
    const count = decoding.readVarUint(d)
    const client = decoding.readVarUint(d)
    let clock = decoding.readVarUint(d)
    for (let i = 0; i < count; i++) {
      const info = decoding.readUint8(d)
      if (info === SKIP_INFO) return undefined
      if ((info & CONTENT_REF) === 0) {
        const len = decoding.readVarUint(d)
        structs.push(new Y.GC(Y.createID(client, clock), len))
        clock += len
        continue
      }
      const origin = (info & HAS_ORIGIN) !== 0 ? Y.createID(decoding.readVarUint(d), decoding.readVarUint(d)) : null
      const rightOrigin = (info & HAS_RIGHT_ORIGIN) !== 0 ? Y.createID(decoding.readVarUint(d), decoding.readVarUint(d)) : null
      const parentInfo = (info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0
      // As Yjs's reader: a root parent is its name (a string), a nested one the item's id.
      const parent = parentInfo ? (decoding.readVarUint(d) === 1 ? readString(d) : Y.createID(decoding.readVarUint(d), decoding.readVarUint(d))) : null
      const parentSub = parentInfo && (info & HAS_PARENT_SUB) !== 0 ? readString(d) : null
      const content = readContent(d, info & CONTENT_REF)
      if (content === undefined) return undefined
      const item = new Y.Item(Y.createID(client, clock), null, origin, null, rightOrigin, parent as Y.AbstractType<unknown> | null, parentSub, content)
      structs.push(item)
      clock += item.length
    }
  }
  const ds = Y.createDeleteSet()
  const clients = decoding.readVarUint(d)
  for (let i = 0; i < clients; i++) {
    const client = decoding.readVarUint(d)
    const deletes = decoding.readVarUint(d)
    if (deletes === 0) continue
    let ranges = ds.clients.get(client)
    if (ranges === undefined) { ranges = []; ds.clients.set(client, ranges) }
    for (let k = 0; k < deletes; k++) {
      const clock = decoding.readVarUint(d)
      ranges.push({ clock, len: decoding.readVarUint(d) })
    }
  }
  return { structs, ds }
}

function readContent (d: decoding.Decoder, ref: number): Y.ContentAny | Y.ContentString | Y.ContentDeleted | undefined {
  switch (ref) {
    case CONTENT_ANY: {
      const len = decoding.readVarUint(d)
      const values: unknown[] = []
      for (let i = 0; i < len; i++) values.push(readAny(d))
      return new Y.ContentAny(values)
    }
    case CONTENT_STRING: return new Y.ContentString(readString(d))
    case CONTENT_DELETED: return new Y.ContentDeleted(decoding.readVarUint(d))
    default: return undefined
  }
}

/** lib0's readVarString: the same string, built from the bytes when short and ASCII. */
function readString (d: decoding.Decoder): string {
  const at = d.pos
  const len = decoding.readVarUint(d)
  const start = d.pos
  const end = start + len
  const bytes = d.arr
  if (len <= SHORT_STRING && end <= bytes.length) {
    let s = ''
    let i = start
    for (; i < end; i++) {
      const b = bytes[i] as number
      if (b >= 0x80) break
      s += String.fromCharCode(b)
    }
    if (i === end) { d.pos = end; return s }
  }
  d.pos = at
  return decoding.readVarString(d)
}

/**
 * lib0's readAny, with its strings, object field names and nested values read as
 * above; the other kinds by lib0's own readers. An object is filled by assignment as
 * lib0 fills it (a `__proto__` field sets the prototype there as here, and the value
 * rule refuses it either way).
 */
function readAny (d: decoding.Decoder): unknown {
  const tag = d.arr[d.pos]
  switch (tag) {
    case ANY_STRING: d.pos++; return readString(d)
    case ANY_OBJECT: {
      d.pos++
      const len = decoding.readVarUint(d)
      const obj: Record<string, unknown> = {}
      for (let i = 0; i < len; i++) {
        const key = readString(d)
        obj[key] = readAny(d)
      }
      return obj
    }
    case ANY_ARRAY: {
      d.pos++
      const len = decoding.readVarUint(d)
      const arr: unknown[] = []
      for (let i = 0; i < len; i++) arr.push(readAny(d))
      return arr
    }
    default: return decoding.readAny(d)
  }
}
