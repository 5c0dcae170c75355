/**
 * Signed checkpoints of the audit log: (seq, head hash) signed with the node key. The
 * hash chain alone shows an edit only to someone who kept an old head; a checkpoint
 * kept apart from the log (a file beside it, a copy in the level store) turns
 * truncation, deletion and a rewrite with recomputed hashes into a failed `verify`.
 *
 *   signed bytes = utf8("atp-audit-checkpoint/1\n" ‖ canonicalJson({ seq, head, firstSeq, atMs, peerId }))
 *
 * `firstSeq` is the oldest record the node still keeps (retention moves it forward), so
 * removing records from the start of the log fails too.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { canonicalJson } from '../../kernel/index.ts'
import type { Signer, Verifier } from '../../kernel/index.ts'

export const CHECKPOINT_FILE = 'audit.checkpoint'
const DOMAIN = 'atp-audit-checkpoint/1\n'

export interface AuditCheckpoint {
  /** Seq of the last record covered. */
  readonly seq: number
  /** That record's hash. */
  readonly head: string
  /** Oldest record kept (after retention). */
  readonly firstSeq: number
  readonly atMs: number
  /** The signing node. */
  readonly peerId: string
  /** ed25519 signature, hex. */
  readonly signature: string
}

function signedBytes (c: Omit<AuditCheckpoint, 'signature'>): Uint8Array {
  return new TextEncoder().encode(DOMAIN + canonicalJson({ seq: c.seq, head: c.head, firstSeq: c.firstSeq, atMs: c.atMs, peerId: c.peerId }))
}

export function signCheckpoint (seq: number, head: string, firstSeq: number, atMs: number, signer: Signer): AuditCheckpoint {
  const body = { seq, head, firstSeq, atMs, peerId: signer.peerId }
  return { ...body, signature: Buffer.from(signer.sign(signedBytes(body))).toString('hex') }
}

/** True when `peerId` (the node's own, not the checkpoint's claim) signed it. */
export function verifyCheckpoint (c: AuditCheckpoint, peerId: string, verifier: Verifier): boolean {
  if (c.peerId !== peerId) return false
  try {
    return verifier.verify(peerId, signedBytes(c), Uint8Array.from(Buffer.from(c.signature, 'hex')))
  } catch {
    return false
  }
}

/** Parses a stored checkpoint; undefined when it is not one. */
export function parseCheckpoint (text: string): AuditCheckpoint | undefined {
  try {
    const c = JSON.parse(text) as Partial<AuditCheckpoint>
    if (!Number.isSafeInteger(c.seq) || !Number.isSafeInteger(c.firstSeq) || typeof c.head !== 'string' || typeof c.atMs !== 'number' ||
      typeof c.peerId !== 'string' || typeof c.signature !== 'string') return undefined
    return c as AuditCheckpoint
  } catch {
    return undefined
  }
}

/** The file copy beside the log, replaced atomically (write then rename). */
export function writeCheckpointFile (dataDir: string, c: AuditCheckpoint): void {
  const path = join(dataDir, CHECKPOINT_FILE)
  writeFileSync(`${path}.tmp`, JSON.stringify(c) + '\n', { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
}

export function readCheckpointFile (dataDir: string): AuditCheckpoint | undefined {
  try {
    return parseCheckpoint(readFileSync(join(dataDir, CHECKPOINT_FILE), 'utf8'))
  } catch {
    return undefined
  }
}

/** The later of two checkpoints (by seq). */
export function laterCheckpoint (a: AuditCheckpoint | undefined, b: AuditCheckpoint | undefined): AuditCheckpoint | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return b.seq > a.seq ? b : a
}
