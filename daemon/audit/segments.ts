/**
 * Rotation and retention of the audit log. The live file is `audit.log`; a full one is
 * renamed `audit-<first seq, 12 digits>.log` and a new `audit.log` continues the same
 * chain (its first record's prevHash is the last hash of the segment before). Oldest
 * segments go first, past `keepFiles` or older than `keepDays`.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

const SEGMENT_RE = /^audit-(\d{12})\.log$/

export function segmentName (firstSeq: number): string {
  return `audit-${String(firstSeq).padStart(12, '0')}.log`
}

/** Rotated segments, oldest first (full paths). */
export function listSegments (dataDir: string): string[] {
  let names: string[]
  try { names = readdirSync(dataDir) } catch { return [] }
  return names.filter((n) => SEGMENT_RE.test(n)).sort().map((n) => join(dataDir, n))
}

/** First seq of the oldest segment not in `leaving`, if any. */
export function oldestSeq (dataDir: string, leaving: readonly string[] = []): number | undefined {
  const first = listSegments(dataDir).find((p) => !leaving.includes(p))
  const m = first === undefined ? null : /audit-(\d{12})\.log$/.exec(first)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

export interface Retention {
  readonly keepFiles: number
  readonly keepDays: number
}

/** The segments past the retention, oldest first. */
export function retentionPlan (dataDir: string, r: Retention, nowMs: number): string[] {
  const segments = listSegments(dataDir)
  const out: string[] = []
  for (const [i, path] of segments.entries()) {
    const tooMany = segments.length - i > r.keepFiles
    const tooOld = nowMs - statSync(path).mtimeMs > r.keepDays * 86_400_000
    if (!tooMany && !tooOld) break
    out.push(path)
  }
  return out
}

export function removeSegments (paths: readonly string[]): void {
  for (const p of paths) unlinkSync(p)
}
