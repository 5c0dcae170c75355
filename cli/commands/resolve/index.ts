/** `atp resolve CAPABILITY [--max-cost USD] [--max-latency MS] [--region R] [--limit N]`: GET /v1/resolve. */
import { Command } from 'commander'
import type { CandidateJson } from '../../../daemon/api/views.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { parseNonNegative, parsePositiveInt } from '../../parse.ts'
import { formatTable } from '../../table.ts'
import { ROUTE_COLUMNS } from '../routes/route-columns.ts'

interface ResolveOptions { maxCost?: number, maxLatency?: number, region?: string, limit?: number }

export function resolveCommand (io: CliIo): Command {
  return new Command('resolve')
    .description('rank the agents that can do CAPABILITY (longest match) under constraints')
    .argument('<capability>', 'e.g. code-review/python')
    .option('--max-cost <usd>', 'maximum cost per task in USD', parseNonNegative)
    .option('--max-latency <ms>', 'maximum p95 latency in ms', parseNonNegative)
    .option('--region <region>', 'only agents in this region')
    .option('--limit <n>', 'at most N candidates', parsePositiveInt)
    .action(async (capability: string, opts: ResolveOptions, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ capability: string, candidates: CandidateJson[] }>('/v1/resolve', {
        capability, maxCostUsd: opts.maxCost, maxLatencyMs: opts.maxLatency, region: opts.region, limit: opts.limit
      })
      ctx.print(body, () => {
        const head = body.capability === capability ? '' : `capability: ${body.capability} (longest match for ${capability})\n`
        return head + formatTable(body.candidates.map((c, i) => ({ ...c, rank: i + 1 })), [
          { header: '#', value: (c) => c.rank },
          ...ROUTE_COLUMNS,
          { header: 'SCORE', value: (c) => c.score, align: 'right' },
          { header: 'ENDPOINT', value: (c) => c.endpoint },
          { header: 'REASON', value: (c) => c.reason }
        ])
      })
    })
}
