/**
 * The hash-chained audit log of route and policy events: `<dataDir>/audit.log`, one
 * JSON record per line (see record.ts for the chain). A plain append-only file rather
 * than a level key range, so `atp audit verify` can read it while the daemon runs.
 *
 * Appends come from the Speaker's 'audit' effects on the event loop, so they are
 * synchronous and cheap: records are chained in memory and written in batches (every
 * `flushIntervalMs`, or at once past `maxPendingBytes`, which bounds the memory held).
 * A crash can lose at most the last unflushed batch, never break the chain: a torn
 * last line is cut at the next start.
 *
 * Tamper evidence (checkpoint.ts): with a signer, the head is signed at most every
 * `checkpointEveryMs` after new records and at close, written beside the log and handed
 * to `onCheckpoint` (the daemon keeps it in its store). Repeated rejections are
 * aggregated per window (aggregate.ts); the file rotates past `rotateBytes` and old
 * segments are dropped by retention (segments.ts).
 */
import { closeSync, fsyncSync, openSync, readSync, fstatSync, ftruncateSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { Signer } from '../../kernel/index.ts'
import type { AuditEvent } from '../../reflector/index.ts'
import { RejectionAggregator } from './aggregate.ts'
import { signCheckpoint, writeCheckpointFile, type AuditCheckpoint } from './checkpoint.ts'
import { GENESIS_HASH, makeRecord, type AuditRecord } from './record.ts'
import { listSegments, oldestSeq, removeSegments, retentionPlan, segmentName, type Retention } from './segments.ts'

export const AUDIT_FILE = 'audit.log'
const TAIL_BYTES = 64 * 1024

export interface AuditLogInit {
  /** Wall clock for record times (default Date.now). */
  readonly nowMs?: () => number
  readonly flushIntervalMs?: number
  readonly maxPendingBytes?: number
  /** Told when a torn last line from a crash was cut at open. */
  readonly onRepair?: (bytesCut: number) => void
  /** The node key: without it no checkpoint is signed. */
  readonly signer?: Signer
  readonly checkpointEveryMs?: number
  /** Told of every new checkpoint (to keep a copy in the store). */
  readonly onCheckpoint?: (c: AuditCheckpoint) => void
  /** Rejections of one kind from one peer for one reason: one record per window. */
  readonly aggregateWindowMs?: number
  /** The live file is rotated past this size. */
  readonly rotateBytes?: number
  readonly retention?: Retention
  /** Told of segments deleted by retention. */
  readonly onRetention?: (removed: readonly string[]) => void
  /** Told of every record written (the API's in-memory tail). */
  readonly onRecord?: (record: AuditRecord) => void
}

export class AuditLog {
  readonly path: string
  private fd: number
  private readonly nowMs: () => number
  private readonly init: AuditLogInit
  private readonly flushIntervalMs: number
  private readonly maxPendingBytes: number
  private readonly aggregator = new RejectionAggregator()
  private seq: number
  private lastHash: string
  /** Seq of the live file's first record (its segment name at rotation). */
  private fileFirstSeq: number
  private fileBytes: number
  private checkpointedSeq: number
  private lastCheckpointMs = 0
  private lastCheckpoint: AuditCheckpoint | undefined
  private pending: string[] = []
  private pendingBytes = 0
  private timer: NodeJS.Timeout | undefined
  private windowTimer: NodeJS.Timeout | undefined
  private closed = false

  private constructor (private readonly dataDir: string, fd: number, resume: ResumePoint, init: AuditLogInit) {
    this.path = join(dataDir, AUDIT_FILE)
    this.fd = fd
    this.seq = resume.seq
    this.lastHash = resume.hash
    this.fileFirstSeq = resume.firstSeq ?? resume.seq + 1
    this.fileBytes = resume.bytes
    this.checkpointedSeq = init.signer === undefined ? Infinity : 0
    this.init = init
    this.nowMs = init.nowMs ?? Date.now
    this.flushIntervalMs = init.flushIntervalMs ?? 200
    this.maxPendingBytes = init.maxPendingBytes ?? 256 * 1024
  }

  /** Opens (or creates) the log and resumes its chain from the last complete record. */
  static open (dataDir: string, init: AuditLogInit = {}): AuditLog {
    const path = join(dataDir, AUDIT_FILE)
    const fd = openSync(path, 'a+', 0o600)
    try {
      let resume = resumePoint(fd, init.onRepair)
      if (resume.seq === 0) resume = resumeAfterRotation(dataDir) ?? resume
      return new AuditLog(dataDir, fd, resume, init)
    } catch (err) {
      closeSync(fd)
      throw err
    }
  }

  get lastSeq (): number { return this.seq }
  /** The last checkpoint signed by this process. */
  get latestCheckpoint (): AuditCheckpoint | undefined { return this.lastCheckpoint }
  get head (): string { return this.lastHash }

  /** Chains the event (or counts it, when it repeats a rejection of this window). */
  append (event: AuditEvent): AuditRecord | undefined {
    if (this.closed) throw new Error('audit log is closed')
    if (!this.aggregator.admit(event)) { this.armWindow(); return undefined }
    const record = this.write(event)
    if (this.aggregator.full) this.closeWindow()
    return record
  }

  private write (event: AuditEvent): AuditRecord {
    const record = makeRecord(this.seq + 1, this.nowMs(), event, this.lastHash)
    this.seq = record.seq
    this.lastHash = record.hash
    this.init.onRecord?.(record)
    const line = JSON.stringify(record) + '\n'
    this.pending.push(line)
    this.pendingBytes += line.length
    if (this.pendingBytes >= this.maxPendingBytes) this.flush()
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; this.flush() }, this.flushIntervalMs)
      this.timer.unref()
    }
    return record
  }

  private armWindow (): void {
    if (this.windowTimer !== undefined) return
    this.windowTimer = setTimeout(() => { this.windowTimer = undefined; this.closeWindow() }, this.init.aggregateWindowMs ?? 60_000)
    this.windowTimer.unref()
  }

  /** Writes the window's summaries (one per repeated rejection key). */
  private closeWindow (): void {
    if (this.windowTimer !== undefined) { clearTimeout(this.windowTimer); this.windowTimer = undefined }
    for (const summary of this.aggregator.close()) this.write(summary)
  }

  /** Writes pending records (synchronously: small, local, and keeps order trivially). */
  flush (): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    if (this.pending.length === 0 || this.closed) return
    const buf = Buffer.from(this.pending.join(''), 'utf8')
    this.pending = []
    this.pendingBytes = 0
    let off = 0
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off)
    this.fileBytes += buf.length
    const now = this.nowMs()
    if (now - this.lastCheckpointMs >= (this.init.checkpointEveryMs ?? 10_000)) this.checkpoint(now)
    if (this.fileBytes >= (this.init.rotateBytes ?? 64 * 1024 * 1024)) this.rotate(now)
  }

  /** Signs the head (when there is a signer and something new) and stores the checkpoint. */
  checkpoint (nowMs = this.nowMs(), leaving: readonly string[] = []): AuditCheckpoint | undefined {
    const signer = this.init.signer
    if (signer === undefined || this.seq === 0 || (this.seq <= this.checkpointedSeq && leaving.length === 0)) return undefined
    // The checkpoint must never cover records that are not on disk yet.
    fsyncSync(this.fd)
    const c = signCheckpoint(this.seq, this.lastHash, oldestSeq(this.dataDir, leaving) ?? this.fileFirstSeq, nowMs, signer)
    writeCheckpointFile(this.dataDir, c)
    this.checkpointedSeq = this.seq
    this.lastCheckpointMs = nowMs
    this.lastCheckpoint = c
    this.init.onCheckpoint?.(c)
    return c
  }

  private rotate (nowMs: number): void {
    this.checkpoint(nowMs)
    fsyncSync(this.fd)
    closeSync(this.fd)
    renameSync(this.path, join(this.dataDir, segmentName(this.fileFirstSeq)))
    this.fd = openSync(this.path, 'a+', 0o600)
    this.fileFirstSeq = this.seq + 1
    this.fileBytes = 0
    const leaving = retentionPlan(this.dataDir, this.init.retention ?? { keepFiles: 16, keepDays: 365 }, nowMs)
    if (leaving.length === 0) return
    // Signed first, deleted after: a crash in between leaves more than the checkpoint
    // promises, never less.
    this.checkpoint(nowMs, leaving)
    removeSegments(leaving)
    this.init.onRetention?.(leaving)
  }

  /** Writes the rejection summaries, flushes, signs a last checkpoint, fsyncs and closes. */
  close (): void {
    if (this.closed) return
    this.closeWindow()
    this.flush()
    this.checkpoint()
    this.closed = true
    try { fsyncSync(this.fd) } finally { closeSync(this.fd) }
  }
}

interface ResumePoint { seq: number, hash: string, firstSeq: number | undefined, bytes: number }

/** Last complete record's (seq, hash) and the file's first seq; cuts a torn last line left by a crash. */
function resumePoint (fd: number, onRepair?: (bytesCut: number) => void): ResumePoint {
  const size = fstatSync(fd).size
  if (size === 0) return { seq: 0, hash: GENESIS_HASH, firstSeq: undefined, bytes: 0 }
  const start = Math.max(0, size - TAIL_BYTES)
  const buf = Buffer.alloc(size - start)
  readSync(fd, buf, 0, buf.length, start)
  let text = buf.toString('utf8')
  let bytes = size
  if (!text.endsWith('\n')) {
    const cut = text.length - (text.lastIndexOf('\n') + 1)
    const cutBytes = Buffer.byteLength(text.slice(text.length - cut))
    ftruncateSync(fd, size - cutBytes)
    bytes -= cutBytes
    text = text.slice(0, text.length - cut)
    onRepair?.(cut)
  }
  const lines = text.split('\n').filter((l) => l.length > 0)
  const last = lines[lines.length - 1]
  if (last === undefined) return { seq: 0, hash: GENESIS_HASH, firstSeq: undefined, bytes }
  const rec = JSON.parse(last) as Partial<AuditRecord>
  if (typeof rec.seq !== 'number' || typeof rec.hash !== 'string') throw new Error(`audit log tail is not a record: ${last.slice(0, 80)}`)
  return { seq: rec.seq, hash: rec.hash, firstSeq: firstSeqOf(fd), bytes }
}

/** A live file left empty by a rotation continues the chain of the newest segment. */
function resumeAfterRotation (dataDir: string): ResumePoint | undefined {
  const newest = listSegments(dataDir).at(-1)
  if (newest === undefined) return undefined
  const fd = openSync(newest, 'r')
  try {
    const r = resumePoint(fd)
    return { seq: r.seq, hash: r.hash, firstSeq: undefined, bytes: 0 }
  } finally {
    closeSync(fd)
  }
}

function firstSeqOf (fd: number): number | undefined {
  const buf = Buffer.alloc(256)
  const n = readSync(fd, buf, 0, buf.length, 0)
  const m = /^\{"seq":(\d+)/.exec(buf.subarray(0, n).toString('utf8'))
  return m?.[1] === undefined ? undefined : Number(m[1])
}
