/**
 * One audit record and its hash chain:
 *
 *   hash = hex(sha256(utf8(prevHash) ‖ utf8(canonicalJson({ seq, atMs, event, prevHash }))))
 *
 * seq starts at 1 and increases by one; the first record's prevHash is GENESIS_HASH.
 * Changing, removing or reordering any record breaks every hash after it.
 */
import { createHash } from 'node:crypto'
import type { AuditEvent } from '../../reflector/index.ts'
import { canonicalJson } from './canonical.ts'

export const GENESIS_HASH = '0'.repeat(64)

export interface AuditRecord {
  readonly seq: number
  /** Wall-clock Unix ms when the daemon recorded the event. */
  readonly atMs: number
  readonly event: AuditEvent
  readonly prevHash: string
  readonly hash: string
}

export function hashRecord (seq: number, atMs: number, event: AuditEvent, prevHash: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalJson({ seq, atMs, event, prevHash }), 'utf8').digest('hex')
}

export function makeRecord (seq: number, atMs: number, event: AuditEvent, prevHash: string): AuditRecord {
  return { seq, atMs, event, prevHash, hash: hashRecord(seq, atMs, event, prevHash) }
}
