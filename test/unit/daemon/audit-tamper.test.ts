// The audit log is tamper-evident, not only hash-chained: a signed checkpoint (seq,
// head, oldest kept seq) kept apart from the log makes truncation, deletion and a
// rewrite with recomputed hashes fail `verify`. Repeated rejections are aggregated;
// the log rotates and keeps a bounded number of segments.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Signer } from '../../../kernel/ports.ts'
import { AuditLog, hashRecord, verifyAuditLog, type AuditRecord } from '../../../daemon/audit/index.ts'
import { readCheckpointFile } from '../../../daemon/audit/checkpoint.ts'
import { DEFAULT_AUDIT_BURST } from '../../../daemon/audit/aggregate.ts'
import { createEd25519Signer, createEd25519Verifier, loadOrCreateIdentity } from '../../../daemon/identity/index.ts'

const dirs: string[] = []
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'atpd-audit-t-'))
  dirs.push(d)
  return d
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

let signer: Signer
let other: Signer
const verifier = createEd25519Verifier()
beforeAll(async () => {
  const a = await loadOrCreateIdentity(tempDir())
  const b = await loadOrCreateIdentity(tempDir())
  signer = createEd25519Signer(a.peerId, a.privateKey)
  other = createEd25519Signer(b.peerId, b.privateKey)
})

function writeLog (dir: string, n: number, init: Parameters<typeof AuditLog.open>[1] = {}): void {
  let t = 1000
  const log = AuditLog.open(dir, { nowMs: () => t++, signer, ...init })
  for (let i = 0; i < n; i++) log.append({ kind: 'route-accepted', peer: 'p', capability: 'code-review', agent: `a${i}` })
  log.close()
}
const verify = async (dir: string): Promise<Awaited<ReturnType<typeof verifyAuditLog>>> => await verifyAuditLog(dir, { peerId: signer.peerId, verifier })
const readLines = (dir: string): AuditRecord[] => readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord)
const writeLines = (dir: string, recs: readonly AuditRecord[]): void => { writeFileSync(join(dir, 'audit.log'), recs.map((r) => JSON.stringify(r) + '\n').join('')) }

describe('audit log: signed checkpoints', () => {
  it('an intact log verifies against its checkpoint', async () => {
    const dir = tempDir()
    writeLog(dir, 20)
    expect(readCheckpointFile(dir)).toMatchObject({ seq: 20, firstSeq: 1, peerId: signer.peerId })
    expect(await verify(dir)).toMatchObject({ ok: true, records: 20, checkpoint: { seq: 20 }, unsignedRecords: 0 })
  })

  it('truncation (whole records cut from the end) fails', async () => {
    const dir = tempDir()
    writeLog(dir, 20)
    writeLines(dir, readLines(dir).slice(0, 17))
    const r = await verify(dir)
    expect(r).toMatchObject({ ok: false, records: 17 })
    expect(r.reason).toMatch(/ends at seq 17 but a signed checkpoint covers seq 20/)
  })

  it('a deleted log fails (and so does a missing one)', async () => {
    const dir = tempDir()
    writeLog(dir, 5)
    unlinkSync(join(dir, 'audit.log'))
    expect(await verify(dir)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) as unknown })
    expect((await verify(tempDir())).ok).toBe(false)
  })

  it('a rewrite with every later hash recomputed fails', async () => {
    const dir = tempDir()
    writeLog(dir, 10)
    const recs = readLines(dir)
    let prev = recs[3]!.hash
    const forged = recs.map((r, i) => {
      if (i < 4) return r
      const event = i === 4 ? { ...r.event, agent: 'evil' } : r.event
      const rec = { seq: r.seq, atMs: r.atMs, event, prevHash: prev, hash: hashRecord(r.seq, r.atMs, event, prev) }
      prev = rec.hash
      return rec
    })
    writeLines(dir, forged)
    const r = await verify(dir)
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/record 10 differs from the signed checkpoint: the log was rewritten/)
  })

  it('records cut from the start (re-chained from there) fail', async () => {
    const dir = tempDir()
    writeLog(dir, 10)
    writeLines(dir, readLines(dir).slice(3))
    expect((await verify(dir)).reason).toMatch(/starts at seq 4 but the signed checkpoint keeps records from seq 1/)
  })

  it('a checkpoint signed by another key fails', async () => {
    const dir = tempDir()
    writeLog(dir, 3, { signer: other })
    expect((await verify(dir)).reason).toMatch(/not signed by/)
  })
})

describe('audit log: aggregation, rotation, retention', () => {
  it('repeated rejections from one peer for one reason: each route once, up to the burst, then one summary', async () => {
    const dir = tempDir()
    const log = AuditLog.open(dir, { signer })
    // 1,612 rejections of 50 looped routes, as a redundant-reflector layout produces on refreshes.
    for (let i = 0; i < 1612; i++) log.append({ kind: 'route-rejected', peer: 'rr-2', capability: `cap-${i % 50}`, agent: `a${i % 50}`, detail: 'cluster-list-loop' })
    log.append({ kind: 'route-rejected', peer: 'rr-3', detail: 'cluster-list-loop' })
    log.append({ kind: 'session-up', peer: 'rr-2' })
    log.close()
    const events = readLines(dir).map((r) => r.event)
    expect(events).toHaveLength(53)
    expect(events.slice(0, 50).map((e) => e.agent)).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`))
    expect(events[52]).toEqual({ kind: 'route-rejected', peer: 'rr-2', detail: 'cluster-list-loop', repeated: 1562 })
    expect((await verify(dir)).ok).toBe(true)
  })

  it('a peer that sends endless distinct bad routes writes at most the burst, then a count', async () => {
    const dir = tempDir()
    const log = AuditLog.open(dir, { signer })
    for (let i = 0; i < 10_000; i++) log.append({ kind: 'signature-invalid', peer: 'hostile', org: 'x', agent: `forged-${i}`, capability: 'c' })
    log.close()
    const events = readLines(dir).map((r) => r.event)
    expect(events).toHaveLength(DEFAULT_AUDIT_BURST + 1)
    expect(events.at(-1)).toEqual({ kind: 'signature-invalid', peer: 'hostile', repeated: 10_000 - DEFAULT_AUDIT_BURST })
  })

  it('rotates past rotateBytes, keeps keepFiles segments, and the chain verifies across them and across a reopen', async () => {
    const dir = tempDir()
    const init = { rotateBytes: 2000, retention: { keepFiles: 2, keepDays: 365 }, maxPendingBytes: 500, checkpointEveryMs: 0 }
    writeLog(dir, 40, init)
    writeLog(dir, 40, init)
    const segments = readdirSync(dir).filter((n) => /^audit-\d{12}\.log$/.test(n))
    expect(segments).toHaveLength(2)
    const r = await verify(dir)
    expect(r, r.reason).toMatchObject({ ok: true })
    expect(r.firstSeq).toBeGreaterThan(1)
    expect(r.records + (r.firstSeq ?? 1) - 1).toBe(80)
    expect(existsSync(join(dir, 'audit.log'))).toBe(true)
  })
})
