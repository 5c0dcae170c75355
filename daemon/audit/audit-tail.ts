/**
 * The latest audit records in memory, for GET /v1/audit and the looking glass: a
 * bounded ring fed by AuditLog's onRecord, primed at start from the end of the live
 * file (a bounded read: the last `primeBytes`, whole lines only).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { AUDIT_FILE } from './audit-log.ts'
import type { AuditRecord } from './record.ts'

export const AUDIT_TAIL_MAX = 500
const PRIME_BYTES = 64 * 1024

export class AuditTail {
  private readonly records: AuditRecord[] = []
  private readonly max: number

  constructor (max = AUDIT_TAIL_MAX) { this.max = max }

  push (record: AuditRecord): void {
    this.records.push(record)
    if (this.records.length > this.max * 2) this.records.splice(0, this.records.length - this.max)
  }

  /** Up to `limit` of the latest records with seq > afterSeq, oldest first. */
  recent (afterSeq = 0, limit = 100): AuditRecord[] {
    const kept = this.records.slice(-this.max)
    const after = kept.filter((r) => r.seq > afterSeq)
    return after.slice(Math.max(0, after.length - limit))
  }

  get lastSeq (): number { return this.records.at(-1)?.seq ?? 0 }

  /** Loads the last records of `<dataDir>/audit.log` (none when it is absent). */
  prime (dataDir: string, primeBytes = PRIME_BYTES): void {
    let fd: number
    try { fd = openSync(join(dataDir, AUDIT_FILE), 'r') } catch { return }
    try {
      const size = fstatSync(fd).size
      const start = Math.max(0, size - primeBytes)
      const buf = Buffer.alloc(size - start)
      readSync(fd, buf, 0, buf.length, start)
      // A read that starts mid-file cuts its first line: only whole records count.
      const lines = buf.toString('utf8').split('\n').slice(start > 0 ? 1 : 0)
      for (const line of lines) {
        if (line.length === 0) continue
        try { this.push(JSON.parse(line) as AuditRecord) } catch { /* a torn line: the log repairs it */ }
      }
    } finally {
      closeSync(fd)
    }
  }
}
