/** `atp routes [--capability C]`: GET /v1/routes. */
import { Command } from 'commander'
import type { RouteJson } from '../../../daemon/api/views.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { formatTable } from '../../table.ts'
import { ROUTE_COLUMNS } from './route-columns.ts'

export function routesCommand (io: CliIo): Command {
  return new Command('routes')
    .description('show the Loc-RIB: every path per capability, best marked *')
    .option('-c, --capability <capability>', 'only this capability and those under it')
    .action(async (opts: { capability?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ routes: RouteJson[] }>('/v1/routes', { capability: opts.capability })
      ctx.print(body, () => body.routes.length === 0 ? 'no routes\n' : formatTable(body.routes, [
        { header: '', value: (r) => r.best ? '*' : '' },
        { header: 'CAPABILITY', value: (r) => r.capability },
        ...ROUTE_COLUMNS,
        { header: 'PENALTY', value: (r) => Math.round(r.penalty), align: 'right' },
        { header: 'PATH', value: (r) => r.path.join(' ') },
        { header: 'CLUSTERS', value: (r) => r.clusterList.join(' ') }
      ]))
    })
}
