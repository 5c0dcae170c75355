import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AuditTail } from '../../../daemon/audit/audit-tail.ts'
import { GENESIS_HASH, makeRecord, type AuditRecord } from '../../../daemon/audit/record.ts'

function chain (n: number): AuditRecord[] {
  const out: AuditRecord[] = []
  let prev = GENESIS_HASH
  for (let seq = 1; seq <= n; seq++) {
    const r = makeRecord(seq, 1_000 * seq, { kind: 'session-up', peer: `p${seq}` }, prev)
    out.push(r)
    prev = r.hash
  }
  return out
}

describe('AuditTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-tail-'))
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('keeps the latest records, bounded, and pages with after/limit', () => {
    const tail = new AuditTail(10)
    for (const r of chain(35)) tail.push(r)
    expect(tail.recent(0, 100).map((r) => r.seq)).toEqual([26, 27, 28, 29, 30, 31, 32, 33, 34, 35])
    expect(tail.recent(32, 100).map((r) => r.seq)).toEqual([33, 34, 35])
    expect(tail.recent(0, 2).map((r) => r.seq)).toEqual([34, 35])
    expect(tail.lastSeq).toBe(35)
  })

  it('primes from the end of the file, whole records only', () => {
    const lines = chain(50).map((r) => JSON.stringify(r) + '\n').join('')
    writeFileSync(join(dir, 'audit.log'), lines)
    const tail = new AuditTail()
    tail.prime(dir, 1000) // starts mid-line: the cut record is skipped
    const seqs = tail.recent(0, 500).map((r) => r.seq)
    expect(seqs.at(-1)).toBe(50)
    expect(seqs.length).toBeGreaterThan(0)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 51 - seqs.length + i))
    const empty = new AuditTail()
    empty.prime(join(dir, 'absent'))
    expect(empty.recent()).toEqual([])
  })
})
