/**
 * `atp sim FILE [--seed N] [--mode timed|fifo] [--out DIR] [--json] [--wire] [--emulate]`
 * runs a topology in simulated time on the real routing engine.
 * Exit 0 for a completed run whatever its verdicts (also emulation disagreement); 2 for
 * invalid input (also a topology --emulate refuses); 1 when an emulation could not run.
 * A run that fails a checker prints the command that reproduces it (on stderr).
 * The simulator loads only when the command runs (run-sim.ts), not for `atp --help`.
 */
import { Command } from 'commander'
import { processIo, type CliIo } from '../../context.ts'
import type { SimOptions } from './run-sim.ts'

export function simCommand (io: CliIo = processIo): Command {
  return new Command('sim')
    .description('simulate a federation topology (YAML) deterministically on the real routing engine')
    .argument('<file>', 'topology file (see docs/simulation.md)')
    .option('--seed <n>', 'seed (default: the topology\'s seed)')
    .option('--mode <mode>', 'timed (delays, MRAI, timers) or fifo (no time: does it converge, and to what?)', 'timed')
    .option('--out <dir>', 'write report.json and report.html there')
    .option('--json', 'print only the JSON report on stdout')
    .option('--wire', 'round-trip every frame through the protobuf codec')
    .option('--emulate', 'also run the topology (≤ 20 nodes) as real atpd processes and compare routing tables')
    .action(async (file: string, _opts: SimOptions, cmd: Command) => {
      const { runSim } = await import('./run-sim.ts')
      await runSim(file, cmd.optsWithGlobals<SimOptions>(), io)
    })
}

