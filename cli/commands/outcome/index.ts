/** `atp outcome --org --agent --capability --success|--failure [--latency-ms] [--cost]`: POST /v1/outcomes. */
import { Command } from 'commander'
import { contextOf, type CliIo } from '../../context.ts'
import { UsageError } from '../../errors.ts'
import { parseNonNegative } from '../../parse.ts'

interface OutcomeFlags {
  org: string
  agent: string
  capability: string
  success?: boolean
  failure?: boolean
  latencyMs?: number
  cost?: number
}

export function outcomeCommand (io: CliIo): Command {
  return new Command('outcome')
    .description('report how a task with an agent went (local win-rate evidence)')
    .requiredOption('--org <org>', 'origin org of the agent')
    .requiredOption('--agent <id>', 'agent id')
    .requiredOption('--capability <capability>', 'capability the task was for')
    .option('--success', 'the task succeeded')
    .option('--failure', 'the task failed')
    .option('--latency-ms <ms>', 'observed latency in ms', parseNonNegative)
    .option('--cost <usd>', 'observed cost in USD', parseNonNegative)
    .action(async (flags: OutcomeFlags, cmd: Command) => {
      if ((flags.success === true) === (flags.failure === true)) throw new UsageError('give exactly one of --success or --failure')
      const ctx = await contextOf(cmd, io)
      const outcome = {
        org: flags.org,
        agent: flags.agent,
        capability: flags.capability,
        success: flags.success === true,
        ...(flags.latencyMs !== undefined ? { latencyMs: flags.latencyMs } : {}),
        ...(flags.cost !== undefined ? { costUsd: flags.cost } : {})
      }
      const body = await ctx.client.post<{ accepted: boolean }>('/v1/outcomes', outcome)
      ctx.print(body, () => `recorded ${outcome.success ? 'success' : 'failure'} for ${flags.org}/${flags.agent}\n`)
    })
}
