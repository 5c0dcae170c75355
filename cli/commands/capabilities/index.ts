/**
 * `atp capabilities`: what the federation offers as this daemon sees it — one line per
 * capability with its path counts (all, usable, suppressed), the orgs that offer it and
 * the cheapest usable cost. Built from GET /v1/routes.
 */
import { Command } from 'commander'
import type { RouteJson } from '../../../daemon/api/views.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { formatTable } from '../../table.ts'

export interface CapabilitySummary {
  readonly capability: string
  readonly paths: number
  readonly usable: number
  readonly suppressed: number
  readonly orgs: readonly string[]
  readonly minCostUsd: number | null
}

export function summarizeCapabilities (routes: readonly RouteJson[]): CapabilitySummary[] {
  const byCap = new Map<string, RouteJson[]>()
  for (const r of routes) {
    const list = byCap.get(r.capability) ?? []
    list.push(r)
    byCap.set(r.capability, list)
  }
  return [...byCap.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([capability, list]) => {
    const usable = list.filter((r) => r.usable)
    return {
      capability,
      paths: list.length,
      usable: usable.length,
      suppressed: list.filter((r) => r.state === 'suppressed').length,
      orgs: [...new Set(list.map((r) => r.org))].sort(),
      minCostUsd: usable.length === 0 ? null : Math.min(...usable.map((r) => r.costUsd))
    }
  })
}

export function capabilitiesCommand (io: CliIo): Command {
  return new Command('capabilities')
    .description('what the federation offers: capabilities with path counts and the orgs behind them')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ routes: RouteJson[] }>('/v1/routes')
      const caps = summarizeCapabilities(body.routes)
      ctx.print({ capabilities: caps }, () => caps.length === 0 ? 'no capabilities (no routes yet)\n' : formatTable(caps, [
        { header: 'CAPABILITY', value: (c) => c.capability },
        { header: 'PATHS', value: (c) => c.paths, align: 'right' },
        { header: 'USABLE', value: (c) => c.usable, align: 'right' },
        { header: 'SUPPRESSED', value: (c) => c.suppressed, align: 'right' },
        { header: 'FROM $', value: (c) => c.minCostUsd ?? '-', align: 'right' },
        { header: 'ORGS', value: (c) => c.orgs.join(',') }
      ]))
    })
}
