/**
 * `atp send CAPABILITY TEXT [--max-cost USD] [--stream]`: sends a task through the
 * federation with the A2A SDK client, at the daemon's /a2a/<capability> endpoint, and
 * prints the answer and the org/agent that served it (--json: the A2A result, or the
 * events with --stream). Exit 1 when the task did not complete.
 */
import type { Message, StreamResponse, Task } from '@a2a-js/sdk'
import { Command } from 'commander'
import { resolveApi, type CliIo, type GlobalOptions } from '../../context.ts'
import { CliError, EXIT_FAILED } from '../../errors.ts'
import { parseNonNegative } from '../../parse.ts'

interface SendOptions { maxCost?: number, stream?: boolean }

/** A2A TaskState numbers (spec v1.0) the output names. */
const STATE_NAMES: Record<number, string> = { 1: 'submitted', 2: 'working', 3: 'completed', 4: 'failed', 5: 'canceled', 6: 'input-required', 7: 'rejected', 8: 'auth-required' }
const COMPLETED = 3

export function sendCommand (io: CliIo): Command {
  return new Command('send')
    .description('send a task to the best agent for CAPABILITY in the federation and print its answer')
    .argument('<capability>', 'e.g. code-review/python')
    .argument('<text>', 'the message')
    .option('--max-cost <usd>', 'maximum cost per task in USD', parseNonNegative)
    .option('--stream', 'print the agent\'s events as they come')
    .action(async (capability: string, text: string, opts: SendOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>()
      const { url, token } = await resolveApi(globals, io.env)
      // The A2A SDK (and jose behind it) is loaded only by this command, not by every `atp` start.
      const [{ ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory }, { answerText, userMessage }] =
        await Promise.all([import('@a2a-js/sdk/client'), import('../../../daemon/a2a/a2a-text.ts')])
      const fetchImpl: typeof fetch = async (input, init) => {
        const headers = new Headers(init?.headers)
        if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
        return await fetch(input, { ...init, headers })
      }
      const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl })],
        cardResolver: new DefaultAgentCardResolver({ fetchImpl })
      }))
      let client
      try {
        // The trailing slash: the SDK resolves the card path relative to this URL.
        client = await factory.createFromUrl(`${url}/a2a/${capability}/`)
      } catch (err) {
        throw new CliError(`cannot reach the A2A endpoint of atpd at ${url}: ${(err as Error).message}`, EXIT_FAILED, { cause: err })
      }
      const params = { tenant: '', message: userMessage(text), configuration: undefined, metadata: opts.maxCost === undefined ? undefined : { maxCostUsd: opts.maxCost } }
      let result: Message | Task | undefined
      if (opts.stream === true) {
        const events: StreamResponse[] = []
        for await (const event of client.sendMessageStream(params)) {
          events.push(event)
          result = applyEvent(result, event)
          if (globals.json !== true) io.out(`${describe(event)}\n`)
        }
        if (globals.json === true) io.out(`${JSON.stringify(events.map((e) => e.payload), null, 2)}\n`)
      } else {
        result = await client.sendMessage(params)
        if (globals.json === true) io.out(`${JSON.stringify(result, null, 2)}\n`)
      }
      if (result === undefined) throw new CliError('the endpoint sent no answer', EXIT_FAILED)
      const state = 'parts' in result ? COMPLETED : result.status?.state ?? 0
      if (globals.json !== true) io.out(`${answerText(result)}\nserved by ${servedBy(result)} (${STATE_NAMES[state] ?? String(state)})\n`)
      if (state !== COMPLETED) throw new CliError(`the task ended ${STATE_NAMES[state] ?? String(state)}`, EXIT_FAILED)
    })
}

/** The task as the stream has built it so far (the last task snapshot plus later updates). */
function applyEvent (current: Message | Task | undefined, event: StreamResponse): Message | Task | undefined {
  const p = event.payload
  if (p === undefined) return current
  if (p.$case === 'task' || p.$case === 'message') return p.value
  if (current === undefined || 'parts' in current) return current
  if (p.$case === 'statusUpdate') return { ...current, status: p.value.status, metadata: { ...current.metadata, ...p.value.metadata } }
  return p.value.artifact === undefined ? current : { ...current, artifacts: [...current.artifacts, p.value.artifact] }
}

function describe (event: StreamResponse): string {
  const p = event.payload
  switch (p?.$case) {
    case 'task': return `task ${STATE_NAMES[p.value.status?.state ?? 0] ?? ''}`
    case 'statusUpdate': return `status ${STATE_NAMES[p.value.status?.state ?? 0] ?? ''}`
    case 'artifactUpdate': return `artifact ${p.value.artifact?.name ?? ''}`
    case 'message': return 'message'
    default: return 'event'
  }
}

function servedBy (result: Message | Task): string {
  const s = result.metadata?.servedBy as { org?: string, agent?: string } | undefined
  return s === undefined ? '(nobody)' : `${s.org ?? '?'}/${s.agent ?? '?'}`
}
