/** `atp budgets`: GET /v1/budgets, each budget with its limits and spend. */
import { Command } from 'commander'
import type { BudgetJson } from '../../../daemon/api/views.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { formatTable } from '../../table.ts'

export function budgetsCommand (io: CliIo): Command {
  return new Command('budgets')
    .description('list spending budgets with their spend (today, last minute, total)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ budgets: BudgetJson[] }>('/v1/budgets')
      ctx.print(body, () => body.budgets.length === 0 ? 'no budgets configured\n' : formatTable(body.budgets, [
        { header: 'BUDGET', value: (b) => b.id },
        { header: 'USD/DAY', value: (b) => b.usdPerDay },
        { header: 'SPENT TODAY', value: (b) => b.spentTodayUsd },
        { header: 'USD/MIN', value: (b) => b.usdPerMinute },
        { header: 'LAST MINUTE', value: (b) => b.spentLastMinuteUsd },
        { header: 'RESERVED', value: (b) => b.reservedUsd },
        { header: 'TOTAL', value: (b) => b.spentTotalUsd }
      ]))
    })
}
