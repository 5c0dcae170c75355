/** `atp agents add|rm|ls`: PUT/DELETE/GET /v1/agents. */
import { Command } from 'commander'
import type { LocalAgent } from '../../../reflector/index.ts'
import { contextOf, type CliIo } from '../../context.ts'
import { collect, parseCount, parseNonNegative } from '../../parse.ts'
import { formatTable } from '../../table.ts'
import type { AgentFlags } from './agent-input.ts'

export function agentsCommand (io: CliIo): Command {
  const agents = new Command('agents').description('manage the local agents this daemon advertises')

  agents.command('add')
    .description('register or replace a local agent (flags override --file)')
    .option('--id <id>', 'agent id ([a-z0-9-])')
    .option('--capability <capability>', 'e.g. code-review/python')
    .option('--endpoint <url>', 'http(s) URL where the agent is called')
    .option('--cost <usd>', 'cost per task in USD', parseNonNegative)
    .option('--p50 <ms>', 'median latency in ms', parseNonNegative)
    .option('--p95 <ms>', '95th percentile latency in ms', parseNonNegative)
    .option('--wins <n>', 'successful tasks', parseCount)
    .option('--trials <n>', 'tasks measured', parseCount)
    .option('--region <region>', 'region, e.g. eu')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--file <agent.yaml>', 'agent fields as YAML')
    .action(async (flags: AgentFlags, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const { buildAgent } = await import('./agent-input.ts')
      const { id, ...fields } = buildAgent(flags)
      const body = await ctx.client.put<{ result: string, agent: LocalAgent }>(`/v1/agents/${encodeURIComponent(id)}`, fields)
      ctx.print(body, () => `${body.result} agent ${id} (${body.agent.capability})\n`)
    })

  agents.command('rm')
    .description('withdraw and remove a local agent')
    .argument('<id>', 'agent id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.delete<{ removed: string }>(`/v1/agents/${encodeURIComponent(id)}`)
      ctx.print(body, () => `removed agent ${id}\n`)
    })

  agents.command('ls')
    .description('list local agents')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd, io)
      const body = await ctx.client.get<{ agents: LocalAgent[] }>('/v1/agents')
      ctx.print(body, () => body.agents.length === 0 ? 'no local agents\n' : formatTable(body.agents, [
        { header: 'ID', value: (a) => a.id },
        { header: 'CAPABILITY', value: (a) => a.capability },
        { header: 'COST $', value: (a) => a.costUsd },
        { header: 'P50 MS', value: (a) => a.latencyMs.p50 },
        { header: 'P95 MS', value: (a) => a.latencyMs.p95 },
        { header: 'WINS', value: (a) => a.winRate.trials === 0 ? '-' : `${a.winRate.wins}/${a.winRate.trials}`, align: 'right' },
        { header: 'REGION', value: (a) => a.region === '' ? '-' : a.region },
        { header: 'TAGS', value: (a) => a.tags.join(',') },
        { header: 'ENDPOINT', value: (a) => a.endpoint }
      ]))
    })
  return agents
}
