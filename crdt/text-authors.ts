/**
 * Authorship of a Y.Text: each visible character's item id (client, clock) mapped
 * through the provenance index, as ranges { from, to, org, peerId } over UTF-16
 * offsets (to exclusive), adjacent ranges by the same writer joined.
 */
import type * as Y from 'yjs'
import type { ProvenanceIndex } from './provenance-index.ts'

export interface AuthorRange { readonly from: number, readonly to: number, readonly org: string, readonly peerId: string }

export function textAuthors (text: Y.Text, index: ProvenanceIndex): AuthorRange[] {
  const out: Array<{ from: number, to: number, org: string, peerId: string }> = []
  let pos = 0
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue
    for (const piece of index.split(item.id.client, item.id.clock, item.length)) {
      const org = piece.meta?.org ?? ''
      const peerId = piece.meta?.peerId ?? ''
      const last = out[out.length - 1]
      if (last !== undefined && last.to === pos && last.org === org && last.peerId === peerId) last.to += piece.len
      else out.push({ from: pos, to: pos + piece.len, org, peerId })
      pos += piece.len
    }
  }
  return out
}
