/** `atp keygen --data-dir DIR`: create (or read) the node identity; print its peer id. */
import { Command } from 'commander'
import type { CliIo } from '../../context.ts'

export function keygenCommand (io: CliIo): Command {
  return new Command('keygen')
    .description('create the node identity in DIR if absent, and print its peer id')
    .requiredOption('--data-dir <dir>', 'the daemon data dir (dataDir in the config)')
    .action(async (opts: { dataDir: string }, cmd: Command) => {
      const { loadOrCreateIdentity } = await import('../../../daemon/identity/identity.ts')
      const id = await loadOrCreateIdentity(opts.dataDir)
      if (cmd.optsWithGlobals<{ json?: boolean }>().json === true) {
        io.out(`${JSON.stringify({ peerId: id.peerId, path: id.path, created: id.created }, null, 2)}\n`)
      } else {
        io.out(`${id.peerId}\n`)
        io.err(`${id.created ? 'created' : 'existing'} identity: ${id.path}\n`)
      }
    })
}
