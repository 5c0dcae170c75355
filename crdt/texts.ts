/**
 * Text artifacts: one root Y.Text per key, named 'text:<key>'. Root types (rather than
 * Y.Texts nested in a map) because two writers creating the same nested text
 * concurrently would each make their own and one would be lost; roots merge by name.
 */
import { InvalidArgumentError } from '../kernel/index.ts'
import type * as Y from 'yjs'
import type { MemoryLimits } from './limits.ts'
import { TEXT_ROOT_PREFIX } from './update-inspect.ts'

export interface TextEdit { readonly index: number, readonly insert?: string, readonly delete?: number }

export const MAX_EDITS_PER_REQUEST = 1000

export function textOf (doc: Y.Doc, key: string): Y.Text {
  return doc.getText(TEXT_ROOT_PREFIX + key)
}

/** Validates a list of edits against the current length (applied in order) before any change. */
export function checkEdits (edits: readonly TextEdit[], length: number, limits: MemoryLimits): void {
  if (!Array.isArray(edits) || edits.length === 0 || edits.length > MAX_EDITS_PER_REQUEST) throw new InvalidArgumentError(`edits must be a list of 1..${MAX_EDITS_PER_REQUEST}`)
  let len = length
  let inserted = 0
  for (const [i, e] of edits.entries()) {
    if (!Number.isSafeInteger(e.index) || e.index < 0 || e.index > len) throw new InvalidArgumentError(`edits[${i}].index ${e.index} outside 0..${len}`)
    const del = e.delete ?? 0
    if (!Number.isSafeInteger(del) || del < 0 || e.index + del > len) throw new InvalidArgumentError(`edits[${i}].delete ${del} runs past the end (${len})`)
    if (e.insert !== undefined && typeof e.insert !== 'string') throw new InvalidArgumentError(`edits[${i}].insert must be a string`)
    // UTF-8 on the wire would turn a lone surrogate into U+FFFD at every other member.
    if (e.insert !== undefined && !e.insert.isWellFormed()) throw new InvalidArgumentError(`edits[${i}].insert contains a lone UTF-16 surrogate`)
    const ins = e.insert?.length ?? 0
    if (del === 0 && ins === 0) throw new InvalidArgumentError(`edits[${i}] neither inserts nor deletes`)
    inserted += ins
    if (inserted > limits.maxTextInsert) throw new InvalidArgumentError(`edits insert more than ${limits.maxTextInsert} characters`)
    len += ins - del
  }
}

/** Applies checked edits in order: delete at index, then insert at index. */
export function applyEdits (text: Y.Text, edits: readonly TextEdit[]): void {
  for (const e of edits) {
    if ((e.delete ?? 0) > 0) text.delete(e.index, e.delete ?? 0)
    if (e.insert !== undefined && e.insert.length > 0) text.insert(e.index, e.insert)
  }
}
