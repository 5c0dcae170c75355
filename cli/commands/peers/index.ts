/** `atp peers`: GET /v1/peers. */
import { Command } from 'commander'
import type { PeerJson } from '../../../daemon/api/views.ts'
import { formatUptime } from '../../../daemon/api/uptime.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { formatTable } from '../../table.ts'

export function peersCommand (io: CliIo): Command {
  return new Command('peers')
    .description('list neighbor sessions and their state')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ peers: PeerJson[] }>('/v1/peers')
      const anyError = body.peers.some((p) => p.lastError !== undefined)
      ctx.print(body, () => body.peers.length === 0 ? 'no neighbors configured\n' : formatTable(body.peers, [
        { header: 'ORG/SITE', value: (p) => `${p.org}/${p.site ?? '-'}` },
        { header: 'ROLE', value: (p) => p.role },
        { header: 'STATE', value: (p) => p.state },
        { header: 'UPTIME', value: (p) => formatUptime(p.establishedAtMs, Date.now()) },
        { header: 'RECEIVED', value: (p) => p.routesReceived },
        { header: 'SENT', value: (p) => p.routesSent },
        { header: 'PEER ID', value: (p) => p.peerId },
        { header: 'ADDRESS', value: (p) => p.addresses?.[0] ?? '' },
        ...(anyError ? [{ header: 'LAST ERROR', value: (p: PeerJson) => p.lastError ?? '' }] : [])
      ]))
    })
}
