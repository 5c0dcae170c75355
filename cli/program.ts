/**
 * The `atp` program: global options and one builder per command (lodestar's layout:
 * cli/commands/<cmd>/index.ts). `runCli` returns the exit code instead of exiting, so
 * tests run the real program in-process.
 */
import { Command, CommanderError } from 'commander'
import { AtpError } from '../kernel/errors.ts'
import { TemplateError } from '../daemon/launcher/errors.ts'
import { agentsCommand } from './commands/agents/index.ts'
import { auditCommand } from './commands/audit/index.ts'
import { budgetsCommand } from './commands/budgets/index.ts'
import { capabilitiesCommand } from './commands/capabilities/index.ts'
import { completionCommand } from './commands/completion/index.ts'
import { federationCommand } from './commands/federation/index.ts'
import { initCommand } from './commands/init/index.ts'
import { keygenCommand } from './commands/keygen/index.ts'
import { memCommand } from './commands/mem/index.ts'
import { outcomeCommand } from './commands/outcome/index.ts'
import { peersCommand } from './commands/peers/index.ts'
import { resolveCommand } from './commands/resolve/index.ts'
import { sendCommand } from './commands/send/index.ts'
import { routesCommand } from './commands/routes/index.ts'
import { simCommand } from './commands/sim/index.ts'
import { versionCommand } from './commands/version/index.ts'
import { DEFAULT_API_URL, processIo, type CliIo } from './context.ts'
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.ts'
import { VERSION } from '../daemon/package-root.ts'

export type CommandBuilder = (io: CliIo) => Command

export const COMMANDS: readonly CommandBuilder[] = [
  initCommand, keygenCommand, peersCommand, routesCommand, resolveCommand, sendCommand, capabilitiesCommand, agentsCommand, outcomeCommand, budgetsCommand,
  auditCommand, federationCommand, memCommand, simCommand, versionCommand, completionCommand
]

export function buildProgram (io: CliIo = processIo, extra: readonly CommandBuilder[] = []): Command {
  const program = new Command('atp')
    .description('control and query atpd, the federated routing daemon for AI agents')
    .version(VERSION, '-V, --version', 'print the atp version')
    .option('--api <url>', `atpd API URL (default: --config's api.listen, else $ATP_API, else ${DEFAULT_API_URL})`)
    .option('--config <file>', 'site config to take the API address and token from')
    .option('--token <token>', 'bearer token (default: $ATP_TOKEN, else the config\'s api.token)')
    .option('--json', 'print raw JSON (for scripts)')
    .showHelpAfterError()
  for (const build of [...COMMANDS, ...extra]) program.addCommand(build(io))
  const output = { writeOut: (s: string) => { io.out(s) }, writeErr: (s: string) => { io.err(s) } }
  // Subcommands inherit neither output nor exitOverride: apply both to the whole tree.
  const apply = (cmd: Command): void => {
    cmd.exitOverride().configureOutput(output)
    cmd.commands.forEach(apply)
  }
  apply(program)
  return program
}

/** Runs `atp` with user arguments (no node/script prefix); resolves to the exit code. */
export async function runCli (args: readonly string[], io: CliIo = processIo, extra: readonly CommandBuilder[] = []): Promise<number> {
  const program = buildProgram(io, extra)
  try {
    await program.parseAsync([...args], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    return exitCodeOf(err, io)
  }
}

function exitCodeOf (err: unknown, io: CliIo): number {
  // Commander already printed its message (usage errors, help, version).
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
  if (err instanceof TemplateError) {
    io.err(`atp: ${err.message}\n`)
    return EXIT_USAGE
  }
  if (err instanceof CliError) {
    io.err(`atp: ${err.message}\n`)
    return err.exitCode
  }
  if (err instanceof AtpError) {
    io.err(`atp: ${err.message}\n`)
    return EXIT_FAILED
  }
  io.err(`atp: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return EXIT_FAILED
}
