/** `atp audit verify --data-dir DIR`: check the hash chain of the audit log. */
import { Command } from 'commander'
import type { CliIo } from '../../context.ts'
import { CliError, EXIT_FAILED } from '../../errors.ts'

export function auditCommand (io: CliIo): Command {
  const audit = new Command('audit').description('the hash-chained audit log of route and policy events')
  audit.command('verify')
    .description('verify the audit log chain (safe while atpd runs)')
    .requiredOption('--data-dir <dir>', 'the daemon data dir')
    .action(async (opts: { dataDir: string }, cmd: Command) => {
      const { verifyAuditLog } = await import('../../../daemon/audit/verify.ts')
      const result = await verifyAuditLog(opts.dataDir)
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) io.out(`${JSON.stringify(result, null, 2)}\n`)
      else if (result.ok) io.out(`ok: ${result.records} records, head ${result.head} (${result.path})\n`)
      if (!result.ok) {
        throw new CliError(`audit log broken at record ${result.firstBadSeq ?? '?'}: ${result.reason ?? 'unknown'} ` +
          `(${result.records} records before it verify; ${result.path})`, EXIT_FAILED)
      }
    })
  return audit
}
