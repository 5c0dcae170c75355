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
 */
import { closeSync, fsyncSync, openSync, readSync, fstatSync, ftruncateSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEvent } from '../../agp/speaker/types.ts'
import { GENESIS_HASH, makeRecord, type AuditRecord } from './record.ts'

export const AUDIT_FILE = 'audit.log'
const TAIL_BYTES = 64 * 1024

export interface AuditLogInit {
  /** Wall clock for record times (default Date.now). */
  readonly nowMs?: () => number
  readonly flushIntervalMs?: number
  readonly maxPendingBytes?: number
  /** Told when a torn last line from a crash was cut at open. */
  readonly onRepair?: (bytesCut: number) => void
}

export class AuditLog {
  readonly path: string
  private readonly fd: number
  private readonly nowMs: () => number
  private readonly flushIntervalMs: number
  private readonly maxPendingBytes: number
  private seq: number
  private lastHash: string
  private pending: string[] = []
  private pendingBytes = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false

  private constructor (path: string, fd: number, seq: number, lastHash: string, init: AuditLogInit) {
    this.path = path
    this.fd = fd
    this.seq = seq
    this.lastHash = lastHash
    this.nowMs = init.nowMs ?? Date.now
    this.flushIntervalMs = init.flushIntervalMs ?? 200
    this.maxPendingBytes = init.maxPendingBytes ?? 256 * 1024
  }

  /** Opens (or creates) the log and resumes its chain from the last complete record. */
  static open (dataDir: string, init: AuditLogInit = {}): AuditLog {
    const path = join(dataDir, AUDIT_FILE)
    const fd = openSync(path, 'a+', 0o600)
    try {
      const { seq, hash } = resumePoint(fd, init.onRepair)
      return new AuditLog(path, fd, seq, hash, init)
    } catch (err) {
      closeSync(fd)
      throw err
    }
  }

  get lastSeq (): number { return this.seq }
  get head (): string { return this.lastHash }

  append (event: AuditEvent): AuditRecord {
    if (this.closed) throw new Error('audit log is closed')
    const record = makeRecord(this.seq + 1, this.nowMs(), event, this.lastHash)
    this.seq = record.seq
    this.lastHash = record.hash
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

  /** Writes pending records (synchronously: small, local, and keeps order trivially). */
  flush (): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    if (this.pending.length === 0 || this.closed) return
    const buf = Buffer.from(this.pending.join(''), 'utf8')
    this.pending = []
    this.pendingBytes = 0
    let off = 0
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off)
  }

  /** Flushes, fsyncs and closes. */
  close (): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    try { fsyncSync(this.fd) } finally { closeSync(this.fd) }
  }
}

/** Last complete record's (seq, hash); cuts a torn last line left by a crash. */
function resumePoint (fd: number, onRepair?: (bytesCut: number) => void): { seq: number, hash: string } {
  const size = fstatSync(fd).size
  if (size === 0) return { seq: 0, hash: GENESIS_HASH }
  const start = Math.max(0, size - TAIL_BYTES)
  const buf = Buffer.alloc(size - start)
  readSync(fd, buf, 0, buf.length, start)
  let text = buf.toString('utf8')
  if (!text.endsWith('\n')) {
    const cut = text.length - (text.lastIndexOf('\n') + 1)
    ftruncateSync(fd, size - Buffer.byteLength(text.slice(text.length - cut)))
    text = text.slice(0, text.length - cut)
    onRepair?.(cut)
  }
  const lines = text.split('\n').filter((l) => l.length > 0)
  const last = lines[lines.length - 1]
  if (last === undefined) return { seq: 0, hash: GENESIS_HASH }
  const rec = JSON.parse(last) as Partial<AuditRecord>
  if (typeof rec.seq !== 'number' || typeof rec.hash !== 'string') throw new Error(`audit log tail is not a record: ${last.slice(0, 80)}`)
  return { seq: rec.seq, hash: rec.hash }
}
