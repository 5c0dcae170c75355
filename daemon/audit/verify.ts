/**
 * `atp audit verify`: re-walks the chain of the audit log (rotated segments oldest
 * first, then `audit.log`) and reports the first record whose seq, prevHash or hash
 * does not hold, then holds the log against its latest signed checkpoint: a log that
 * ends before the checkpoint was truncated, a record at the checkpoint's seq with
 * another hash was rewritten (even with every later hash recomputed), a missing log
 * was deleted. Streams the files (any size). Safe while the daemon runs: it only reads.
 */
import { createReadStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Verifier } from '../../kernel/index.ts'
import { IDENTITY_FILE, readIdentity } from '../identity/identity.ts'
import { createEd25519Verifier } from '../identity/keys.ts'
import { AUDIT_FILE } from './audit-log.ts'
import { laterCheckpoint, readCheckpointFile, verifyCheckpoint, type AuditCheckpoint } from './checkpoint.ts'
import { GENESIS_HASH, hashRecord, type AuditRecord } from './record.ts'
import { listSegments } from './segments.ts'

export interface AuditVerifyResult {
  readonly ok: boolean
  /** Records verified (all of them when ok; those before the first bad one otherwise). */
  readonly records: number
  /** Seq of the first record present (above 1 when retention removed older segments). */
  readonly firstSeq?: number
  /** Seq expected at the first record that fails. */
  readonly firstBadSeq?: number
  readonly reason?: string
  /** Hash of the last verified record (GENESIS_HASH for an empty log). */
  readonly head: string
  readonly path: string
  /** The latest signed checkpoint held against the log. */
  readonly checkpoint?: { readonly seq: number, readonly atMs: number }
  /** Records after the checkpoint (not yet covered by a signature). */
  readonly unsignedRecords?: number
}

export interface AuditVerifyOptions {
  /** The node whose key signs checkpoints (default: the identity.key of the data dir). */
  readonly peerId?: string
  /** Default: ed25519 (the node key). */
  readonly verifier?: Verifier
  /** The copy kept in the daemon's store, when it could be read. */
  readonly storeCheckpoint?: AuditCheckpoint
}

interface Walk { records: number, firstSeq: number | undefined, lastSeq: number, head: string, hashAt: Map<number, string>, bad?: { seq: number, reason: string } }

export async function verifyAuditLog (dataDir: string, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const path = join(dataDir, AUDIT_FILE)
  if (!existsSync(path)) return { ok: false, records: 0, reason: 'audit log is missing (deleted, or not a data dir)', head: GENESIS_HASH, path }
  const checkpoint = laterCheckpoint(readCheckpointFile(dataDir), options.storeCheckpoint)
  const walk = await walkChain([...listSegments(dataDir), path], checkpoint?.seq)
  const base = { records: walk.records, head: walk.head, path, ...(walk.firstSeq !== undefined ? { firstSeq: walk.firstSeq } : {}) }
  if (walk.bad !== undefined) return { ok: false, ...base, firstBadSeq: walk.bad.seq, reason: walk.bad.reason }
  if (checkpoint === undefined) return { ok: true, ...base }
  const cp = { checkpoint: { seq: checkpoint.seq, atMs: checkpoint.atMs } }
  const fail = (reason: string): AuditVerifyResult => ({ ok: false, ...base, ...cp, firstBadSeq: Math.min(checkpoint.seq, walk.lastSeq + 1), reason })
  const peerId = options.peerId ?? (await readIdentity(join(dataDir, IDENTITY_FILE)).catch(() => undefined))?.peerId
  if (peerId === undefined) return fail('a checkpoint exists but the node key to check it is unknown (give --peer-id or the data dir with identity.key)')
  if (!verifyCheckpoint(checkpoint, peerId, options.verifier ?? createEd25519Verifier())) return fail(`the checkpoint at seq ${checkpoint.seq} is not signed by ${peerId}`)
  if (walk.firstSeq !== undefined && walk.firstSeq > checkpoint.firstSeq) return fail(`the log starts at seq ${walk.firstSeq} but the signed checkpoint keeps records from seq ${checkpoint.firstSeq}: older records were removed`)
  if (walk.lastSeq < checkpoint.seq) return fail(`the log ends at seq ${walk.lastSeq} but a signed checkpoint covers seq ${checkpoint.seq}: records were removed (truncated or deleted)`)
  const held = walk.hashAt.get(checkpoint.seq)
  if (held !== undefined && held !== checkpoint.head) return fail(`record ${checkpoint.seq} differs from the signed checkpoint: the log was rewritten`)
  return { ok: true, ...base, ...cp, unsignedRecords: walk.lastSeq - checkpoint.seq }
}

async function walkChain (files: readonly string[], watchSeq: number | undefined): Promise<Walk> {
  const w: Walk = { records: 0, firstSeq: undefined, lastSeq: 0, head: GENESIS_HASH, hashAt: new Map() }
  let expectedSeq: number | undefined
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
    try {
      for await (const line of lines) {
        if (line.length === 0) continue
        let rec: Partial<AuditRecord>
        try {
          rec = JSON.parse(line) as Partial<AuditRecord>
        } catch {
          w.bad = { seq: expectedSeq ?? 1, reason: 'record is not JSON (truncated or altered)' }
          return w
        }
        if (expectedSeq === undefined && typeof rec.seq === 'number' && rec.seq > 1 && typeof rec.prevHash === 'string') {
          // Retention removed the older segments: the chain starts where the files do
          // (the checkpoint says where it may start).
          w.head = rec.prevHash
        }
        const seq = expectedSeq ?? (typeof rec.seq === 'number' && rec.seq > 1 ? rec.seq : 1)
        const bad = checkRecord(rec, seq, w.head)
        if (bad !== undefined) { w.bad = { seq, reason: bad }; return w }
        w.firstSeq ??= seq
        w.head = rec.hash as string
        w.lastSeq = seq
        if (seq === watchSeq) w.hashAt.set(seq, w.head)
        w.records++
        expectedSeq = w.lastSeq + 1
      }
    } finally {
      lines.close()
    }
  }
  return w
}

function checkRecord (rec: Partial<AuditRecord>, expectedSeq: number, prevHash: string): string | undefined {
  if (rec.seq !== expectedSeq) return `seq is ${String(rec.seq)}, expected ${expectedSeq}`
  if (rec.prevHash !== prevHash) return 'prevHash does not match the previous record'
  if (typeof rec.atMs !== 'number' || typeof rec.event !== 'object' || rec.event === null) return 'record fields missing'
  if (rec.hash !== hashRecord(rec.seq, rec.atMs, rec.event, rec.prevHash)) return 'hash does not match the record'
  return undefined
}
