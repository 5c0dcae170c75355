import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AuditLog, GENESIS_HASH, canonicalJson, verifyAuditLog } from '../../../daemon/audit/index.ts'

const dirs: string[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-audit-'))
  dirs.push(d)
  return d
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function writeLog (dir: string, n: number): void {
  let t = 1000
  const log = AuditLog.open(dir, { nowMs: () => t++ })
  for (let i = 0; i < n; i++) log.append({ kind: 'route-accepted', peer: 'p', capability: 'code-review', agent: `a${i}` })
  log.close()
}

describe('audit log', () => {
  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, undefined], c: 'x' }, e: undefined })).toBe('{"a":{"c":"x","d":[1,null]},"b":1}')
  })

  it('an empty log verifies; an absent one does not', async () => {
    const dir = tempDir()
    AuditLog.open(dir).close()
    expect(await verifyAuditLog(dir)).toMatchObject({ ok: true, records: 0, head: GENESIS_HASH })
    expect(await verifyAuditLog(tempDir())).toMatchObject({ ok: false, reason: 'audit log is missing (deleted, or not a data dir)' })
  })

  it('chains records across reopen and verifies them all', async () => {
    const dir = tempDir()
    writeLog(dir, 5)
    writeLog(dir, 3)
    const r = await verifyAuditLog(dir)
    expect(r.ok).toBe(true)
    expect(r.records).toBe(8)
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number, prevHash: string, hash: string })
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(lines[5]?.prevHash).toBe(lines[4]?.hash)
    expect(r.head).toBe(lines[7]?.hash)
  })

  it('finds the first altered record', async () => {
    const dir = tempDir()
    writeLog(dir, 6)
    const path = join(dir, 'audit.log')
    const lines = readFileSync(path, 'utf8').split('\n')
    lines[3] = lines[3]!.replace('"a3"', '"evil"')
    writeFileSync(path, lines.join('\n'))
    expect(await verifyAuditLog(dir)).toMatchObject({ ok: false, records: 3, firstBadSeq: 4, reason: 'hash does not match the record' })
  })

  it('finds a removed record', async () => {
    const dir = tempDir()
    writeLog(dir, 4)
    const path = join(dir, 'audit.log')
    const lines = readFileSync(path, 'utf8').split('\n')
    lines.splice(1, 1)
    writeFileSync(path, lines.join('\n'))
    expect(await verifyAuditLog(dir)).toMatchObject({ ok: false, records: 1, firstBadSeq: 2 })
  })

  it('cuts a torn last record at open and goes on chaining', async () => {
    const dir = tempDir()
    writeLog(dir, 2)
    appendFileSync(join(dir, 'audit.log'), '{"seq":3,"atM')
    expect((await verifyAuditLog(dir)).ok).toBe(false)
    let cut = 0
    const log = AuditLog.open(dir, { onRepair: (n) => { cut = n } })
    expect(cut).toBeGreaterThan(0)
    expect(log.lastSeq).toBe(2)
    log.append({ kind: 'session-up', peer: 'p' })
    log.close()
    expect(await verifyAuditLog(dir)).toMatchObject({ ok: true, records: 3 })
  })

  it('flushes at the pending bound without waiting for the timer', () => {
    const dir = tempDir()
    const log = AuditLog.open(dir, { maxPendingBytes: 200, flushIntervalMs: 60_000 })
    for (let i = 0; i < 5; i++) log.append({ kind: 'route-withdrawn', agent: `agent-${i}` })
    expect(readFileSync(join(dir, 'audit.log'), 'utf8').length).toBeGreaterThan(200)
    log.close()
  })
})
