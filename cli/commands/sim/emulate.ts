/**
 * The `--emulate` part of `atp sim`: state dir, Ctrl-C, errors → exit codes, and the
 * human summary of the `emulation` section.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { FinalTable } from '../../../simulations/report/report.ts'
import {
  checkEmulatable, emulateAndCompare, EmulationFailedError, EmulationRefusedError, type EmulationOutcome
} from '../../../simulations/emulate/emulate.ts'
import type { SimTopology } from '../../../simulations/topology/model.ts'
import type { CliIo } from '../../context.ts'
import { CliError, UsageError } from '../../errors.ts'

/** Before simulating: a topology emulation refuses is invalid input (exit 2). */
export function refuseUnemulatable (topology: SimTopology): void {
  try {
    checkEmulatable(topology)
  } catch (err) {
    if (err instanceof EmulationRefusedError) throw new UsageError(err.message)
    throw err
  }
}

/**
 * Runs the emulation. Configs, data dirs and logs go to DIR/emulation with --out
 * (kept), else to a temp dir removed after a successful run and kept after a failure.
 */
export async function runEmulate (topology: SimTopology, simulated: FinalTable, out: string | undefined, json: boolean, io: CliIo): Promise<EmulationOutcome> {
  const stateDir = out !== undefined ? resolve(out, 'emulation') : mkdtempSync(join(tmpdir(), 'atp-emulate-'))
  mkdirSync(stateDir, { recursive: true })
  const abort = new AbortController()
  const onSignal = (): void => { abort.abort() }
  // `on`, not `once`: a second Ctrl-C must not fall back to Node's default (exit at
  // once), which would leave the daemons (own process groups) running.
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const outcome = await emulateAndCompare(topology, simulated, {
      stateDir,
      signal: abort.signal,
      ...(json ? {} : { log: (line: string) => { io.err(line + '\n') } })
    })
    if (out === undefined) rmSync(stateDir, { recursive: true, force: true })
    return outcome
  } catch (err) {
    if (err instanceof EmulationRefusedError) throw new UsageError(err.message)
    if (err instanceof EmulationFailedError) throw new CliError(`emulation could not run: ${err.message}\n(configs, data and logs kept in ${stateDir})`, abort.signal.aborted ? 130 : 1)
    throw err
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

export function emulationSummary (outcome: EmulationOutcome): string {
  const r = outcome.report
  const lines = [
    `emulation: ${r.nodes} real atpd processes (${(outcome.wallMs / 1000).toFixed(1)} s): ` +
      (r.agreed ? 'routing tables AGREE with the simulation' : `routing tables DIFFER at ${r.differences.length} (node, capability)`),
    '  (same usable paths per node and capability, same order wherever scores differ; equal-score paths may be ordered differently: real peer ids break those ties)'
  ]
  for (const d of r.differences.slice(0, 20)) {
    lines.push(`  ${d.node} ${d.capability}: simulated [${d.simulated.join(', ')}] emulated [${d.emulated.join(', ')}]`)
  }
  if (r.differences.length > 20) lines.push(`  … ${r.differences.length - 20} more (see --json)`)
  return lines.join('\n') + '\n'
}
