/**
 * stateHash: sha256 (hex) over a canonical form of the namespace's *content*, so two
 * daemons holding the same state agree whatever order they received it in, and
 * whatever Yjs internals (struct boundaries, GC) differ:
 *   canonicalJSON({ entries: { key: value... }, texts: { key: string... } })
 * with object keys sorted at every depth; empty texts are left out (reading a text
 * that was never written must not change the hash).
 */
import type * as Y from 'yjs'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { ENTRIES_ROOT, TEXT_ROOT_PREFIX } from './update-inspect.ts'

export function canonicalJson (v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null)
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']'
  if (v instanceof Uint8Array) return canonicalJson(Array.from(v))
  const keys = Object.keys(v).sort()
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((v as Record<string, unknown>)[k])).join(',') + '}'
}

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
