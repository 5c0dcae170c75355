/**
 * `atp audit verify --data-dir DIR`: check the hash chain of the audit log and its
 * signed checkpoint. `atp audit show [--follow] [--limit N]`: the latest records from
 * the daemon (GET /v1/audit); --follow keeps polling for new ones until interrupted.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Command } from 'commander'
import type { AuditEvent } from '../../../reflector/index.ts'
import type { AuditCheckpoint } from '../../../daemon/audit/checkpoint.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { CliError, EXIT_FAILED } from '../../errors.ts'
import { parsePositiveInt } from '../../parse.ts'

const FOLLOW_INTERVAL_MS = 1000

interface AuditRecordJson { seq: number, atMs: number, event: AuditEvent, hash: string }

export function formatAuditRecord (r: AuditRecordJson): string {
  const e = r.event
  const fields = [
    e.peer !== undefined ? `peer=${e.peer.length > 16 ? '…' + e.peer.slice(-12) : e.peer}` : '',
    e.org !== undefined ? `org=${e.org}` : '',
    e.agent !== undefined ? `agent=${e.agent}` : '',
    e.capability !== undefined ? `capability=${e.capability}` : '',
    e.detail !== undefined ? `detail=${JSON.stringify(e.detail)}` : ''
  ].filter((f) => f !== '')
  return `${r.seq}\t${new Date(r.atMs).toISOString()}\t${e.kind}\t${fields.join(' ')}\n`
}

export function auditCommand (io: CliIo): Command {
  const audit = new Command('audit').description('the hash-chained audit log of route and policy events')
  audit.command('verify')
    .description('verify the audit log chain and its latest signed checkpoint (safe while atpd runs)')
    .requiredOption('--data-dir <dir>', 'the daemon data dir')
    .option('--peer-id <id>', 'the node whose key signs checkpoints (default: the identity.key of the data dir)')
    .action(async (opts: { dataDir: string, peerId?: string }, cmd: Command) => {
      const { verifyAuditLog } = await import('../../../daemon/audit/verify.ts')
      const storeCheckpoint = await readStoreCheckpoint(opts.dataDir)
      const result = await verifyAuditLog(opts.dataDir, {
        ...(opts.peerId !== undefined ? { peerId: opts.peerId } : {}),
        ...(storeCheckpoint !== undefined ? { storeCheckpoint } : {})
      })
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) io.out(`${JSON.stringify(result, null, 2)}\n`)
      else if (result.ok) {
        const signed = result.checkpoint === undefined ? 'no signed checkpoint yet' : `signed checkpoint at seq ${result.checkpoint.seq}, ${result.unsignedRecords ?? 0} records after it`
        io.out(`ok: ${result.records} records, head ${result.head}, ${signed} (${result.path})\n`)
      }
      if (!result.ok) {
        throw new CliError(`audit log broken at record ${result.firstBadSeq ?? '?'}: ${result.reason ?? 'unknown'} ` +
          `(${result.records} records before it verify; ${result.path})`, EXIT_FAILED)
      }
    })
  audit.command('show')
    .description('the latest audit records from the daemon (seq, time, event)')
    .option('-n, --limit <n>', 'how many records', parsePositiveInt, 20)
    .option('-f, --follow', 'keep printing new records until interrupted')
    .action(async (opts: { limit: number, follow?: boolean }, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      let after = 0
      let limit = opts.limit
      for (;;) {
        const body = await ctx.client.get<{ records: AuditRecordJson[] }>('/v1/audit', { after, limit })
        for (const r of body.records) io.out(ctx.json ? `${JSON.stringify(r)}\n` : formatAuditRecord(r))
        after = body.records.at(-1)?.seq ?? after
        if (opts.follow !== true) return
        limit = 500
        await sleep(FOLLOW_INTERVAL_MS)
      }
    })
  return audit
}

/** The copy of the checkpoint in the daemon's store; undefined while atpd holds the store (its file copy is current then). */
async function readStoreCheckpoint (dataDir: string): Promise<AuditCheckpoint | undefined> {
  const { DB_DIR, NodeStore } = await import('../../../daemon/store/node-store.ts')
  const { parseCheckpoint } = await import('../../../daemon/audit/checkpoint.ts')
  if (!existsSync(join(dataDir, DB_DIR))) return undefined
  let store: Awaited<ReturnType<typeof NodeStore.open>>
  try { store = await NodeStore.open(dataDir) } catch { return undefined }
  try { return parseCheckpoint((await store.getAuditCheckpoint()) ?? '') } finally { await store.close() }
}
