/**
 * stateHash: sha256 (hex) over a canonical form of the namespace's *content*, so two
 * daemons holding the same state agree whatever order they received it in, and
 * whatever Yjs internals (struct boundaries, GC) differ:
 *   canonicalJSON({ entries: { key: value... }, texts: { key: string... } })
 * (agp/canonical-json.ts: keys sorted at every depth, iterative); empty texts are left out (reading a text
 * that was never written must not change the hash).
 */
import type * as Y from 'yjs'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { canonicalJson } from '../kernel/index.ts'
import { ENTRIES_ROOT, TEXT_ROOT_PREFIX } from './update-inspect.ts'


export function entriesOf (doc: Y.Doc): Record<string, unknown> {
  return doc.getMap(ENTRIES_ROOT).toJSON()
}

/** Text keys with content, sorted. */
export function textKeys (doc: Y.Doc): string[] {
  const out: string[] = []
  for (const name of doc.share.keys()) {
    if (name.startsWith(TEXT_ROOT_PREFIX) && doc.getText(name).length > 0) out.push(name.slice(TEXT_ROOT_PREFIX.length))
  }
  return out.sort()
}

export function textsOf (doc: Y.Doc): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of textKeys(doc)) out[key] = doc.getText(TEXT_ROOT_PREFIX + key).toString()
  return out
}

export function stateHash (doc: Y.Doc): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson({ entries: entriesOf(doc), texts: textsOf(doc) }))))
}
