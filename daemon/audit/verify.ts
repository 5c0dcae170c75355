/**
 * `atp audit verify`: re-walks the chain of `<dataDir>/audit.log` and reports the first
 * record whose seq, prevHash or hash does not hold. Streams the file (any size).
 * Safe while the daemon runs: it only reads.
 */
import { createReadStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { AUDIT_FILE } from './audit-log.ts'
import { GENESIS_HASH, hashRecord, type AuditRecord } from './record.ts'

export interface AuditVerifyResult {
  readonly ok: boolean
  /** Records verified (all of them when ok; those before the first bad one otherwise). */
  readonly records: number
  /** Seq expected at the first record that fails. */
  readonly firstBadSeq?: number
  readonly reason?: string
  /** Hash of the last verified record (GENESIS_HASH for an empty log). */
  readonly head: string
  readonly path: string
}

export async function verifyAuditLog (dataDir: string): Promise<AuditVerifyResult> {
  const path = join(dataDir, AUDIT_FILE)
  if (!existsSync(path)) return { ok: true, records: 0, head: GENESIS_HASH, path }
  let expectedSeq = 1
  let prevHash = GENESIS_HASH
  const bad = (reason: string): AuditVerifyResult => ({ ok: false, records: expectedSeq - 1, firstBadSeq: expectedSeq, reason, head: prevHash, path })
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  try {
    for await (const line of lines) {
      if (line.length === 0) continue
      let rec: Partial<AuditRecord>
      try {
        rec = JSON.parse(line) as Partial<AuditRecord>
      } catch {
        return bad('record is not JSON (truncated or altered)')
      }
      if (rec.seq !== expectedSeq) return bad(`seq is ${String(rec.seq)}, expected ${expectedSeq}`)
      if (rec.prevHash !== prevHash) return bad('prevHash does not match the previous record')
      if (typeof rec.atMs !== 'number' || typeof rec.event !== 'object' || rec.event === null) return bad('record fields missing')
      if (rec.hash !== hashRecord(rec.seq, rec.atMs, rec.event, rec.prevHash)) return bad('hash does not match the record')
      prevHash = rec.hash
      expectedSeq++
    }
  } finally {
    lines.close()
  }
  return { ok: true, records: expectedSeq - 1, head: prevHash, path }
}
