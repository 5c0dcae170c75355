/** `atp version`: the CLI's version and, when it answers, the daemon's (GET /v1/health). */
import { Command } from 'commander'
import { contextOf, type CliIo } from '../../context.ts'
import { CliError } from '../../errors.ts'
import { VERSION } from '../../../daemon/package-root.ts'

export function versionCommand (io: CliIo): Command {
  return new Command('version')
    .description('print the atp version and the version of the atpd it talks to')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      let daemon: { version?: string, org: string } | { error: string }
      try {
        daemon = await ctx.client.get<{ version?: string, org: string }>('/v1/health')
      } catch (err) {
        if (!(err instanceof CliError)) throw err
        daemon = { error: err.message }
      }
      ctx.print({ atp: VERSION, atpd: daemon }, () => `atp ${VERSION}\n` + ('error' in daemon
        ? `atpd: not reachable at ${ctx.client.baseUrl}\n`
        : `atpd ${daemon.version ?? 'unknown'} (org ${daemon.org}) at ${ctx.client.baseUrl}\n`))
    })
}
