/**
 * Budget spend in level (`budgets/<id>` → JSON record), so a restart does not hand a
 * consumer a fresh day's budget. Records are validated when read (a corrupt one is
 * skipped and reported, never trusted) and written behind the settlements: one write
 * in flight at a time, the latest records win.
 */
import { z } from 'zod'
import type { BudgetRecord } from '../../agp/index.ts'
import type { BytesSublevel } from '../store/node-store.ts'

const recordSchema = z.strictObject({
  id: z.string().min(1).max(64),
  day: z.number().int(),
  spentTodayUsd: z.number().finite().nonnegative(),
  spentTotalUsd: z.number().finite().nonnegative()
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeBudgetRecord (r: BudgetRecord): Uint8Array {
  return encoder.encode(JSON.stringify({ id: r.id, day: r.day, spentTodayUsd: r.spentTodayUsd, spentTotalUsd: r.spentTotalUsd }))
}

/** The record, or a reason it is not one. */
export function decodeBudgetRecord (bytes: Uint8Array): { ok: true, value: BudgetRecord } | { ok: false, reason: string } {
  let raw: unknown
  try {
    raw = JSON.parse(decoder.decode(bytes))
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const parsed = recordSchema.safeParse(raw)
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
}

export class BudgetStore {
  private pending: readonly BudgetRecord[] | undefined
  private writing: Promise<void> | undefined

  constructor (private readonly db: BytesSublevel, private readonly onError: (err: unknown) => void) {}

  /** Every stored record that decodes; the others are named in `skipped`. */
  async load (): Promise<{ records: BudgetRecord[], skipped: { key: string, reason: string }[] }> {
    const records: BudgetRecord[] = []
    const skipped: { key: string, reason: string }[] = []
    for await (const [key, value] of this.db.iterator()) {
      const r = decodeBudgetRecord(value)
      if (r.ok && r.value.id === key) records.push(r.value)
      else skipped.push({ key, reason: r.ok ? 'id does not match its key' : r.reason })
    }
    return { records, skipped }
  }

  /** Queue the latest records; written as soon as the previous write is done. */
  save (records: readonly BudgetRecord[]): void {
    this.pending = records
    this.writing ??= this.drain()
  }

  /** Resolves once everything queued is written. */
  async flush (): Promise<void> {
    while (this.writing !== undefined) await this.writing
  }

  private async drain (): Promise<void> {
    try {
      while (this.pending !== undefined) {
        const records = this.pending
        this.pending = undefined
        await this.db.batch(records.map((r) => ({ type: 'put' as const, key: r.id, value: encodeBudgetRecord(r) })))
      }
    } catch (err) {
      this.onError(err)
    } finally {
      this.writing = undefined
    }
  }
}
