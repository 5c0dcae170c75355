/**
 * Entry artifacts: the Y.Map 'entries' of a namespace (key → JSON value), and what the
 * API shows about them: the value with the provenance of the envelope that wrote it.
 */
import { InvalidArgumentError } from '../kernel/index.ts'
import { entryKeyProblem, entryValueProblem } from './json-value.ts'
import type { MemoryLimits } from './limits.ts'
import type { EnvelopeMeta, ProvenanceIndex } from './provenance-index.ts'
import type * as Y from 'yjs'
import { ENTRIES_ROOT } from './update-inspect.ts'
import type { VectorClock } from './vector-clock.ts'
import { envelopeClock } from './envelope.ts'

export interface Provenance {
  readonly org: string
  readonly peerId: string
  readonly seq: number
  /** The writing envelope's own clock: its deps plus itself. */
  readonly vectorClock: VectorClock
  readonly signatureValid: boolean
  readonly atMs: number
  readonly envelopeId: string
}

export interface EntryRead { readonly value: unknown, readonly provenance: Provenance | undefined }

export function provenanceOf (m: EnvelopeMeta): Provenance {
  return { org: m.org, peerId: m.peerId, seq: m.seq, vectorClock: envelopeClock(m), signatureValid: m.signatureValid, atMs: m.atMs, envelopeId: m.id }
}

/** Validates a key and a JSON value before anything touches the doc; returns a plain copy. */
export function checkEntry (key: string, value: unknown, limits: MemoryLimits): unknown {
  checkKey(key, limits)
  if (value === undefined) throw new InvalidArgumentError('value is required (any JSON, null included)')
  const problem = entryValueProblem(value, limits)
  if (problem !== undefined) throw new InvalidArgumentError(`value ${problem}`)
  return JSON.parse(JSON.stringify(value)) as unknown
}

export function checkKey (key: string, limits: MemoryLimits): void {
  const problem = entryKeyProblem(key, limits)
  if (problem !== undefined) throw new InvalidArgumentError(`key ${problem}`)
}


export function readEntry (doc: Y.Doc, index: ProvenanceIndex, key: string): EntryRead | undefined {
  const map = doc.getMap(ENTRIES_ROOT)
  if (!map.has(key)) return undefined
  const raw = map.get(key)
  const value = raw !== null && typeof raw === 'object' && 'toJSON' in raw ? (raw as { toJSON: () => unknown }).toJSON() : raw
  const item = map._map.get(key)
  const meta = item === undefined ? undefined : index.lookup(item.id.client, item.id.clock)
  return { value, provenance: meta === undefined ? undefined : provenanceOf(meta) }
}
