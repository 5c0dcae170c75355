/** The body of `atp sim`: load the topology, simulate, write the reports, print a summary. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import cliProgress from 'cli-progress'
import { AtpError } from '../../../kernel/index.ts'
import type { SimMode } from '../../../simulations/engine/types.ts'
import { renderHtml } from '../../../simulations/report/html.ts'
import { encodeReport } from '../../../simulations/report/report.ts'
import type { SimResult } from '../../../simulations/run.ts'
import { simulate } from '../../../simulations/simulate.ts'
import { loadTopologyFile } from '../../../simulations/topology/load.ts'
import type { CliIo } from '../../context.ts'
import { UsageError } from '../../errors.ts'
import { emulationSummary, refuseUnemulatable, runEmulate } from './emulate.ts'

export interface SimOptions {
  seed?: string
  mode: string
  out?: string
  json?: boolean
  wire?: boolean
  emulate?: boolean
}

export async function runSim (file: string, opts: SimOptions, io: CliIo): Promise<void> {
  const mode = parseMode(opts.mode)
  const seed = opts.seed !== undefined ? parseSeed(opts.seed) : undefined
  let topology
  try {
    topology = loadTopologyFile(file)
  } catch (err) {
    if (err instanceof AtpError) throw new UsageError(err.message)
    throw err
  }
  const emulate = opts.emulate === true
  if (emulate) refuseUnemulatable(topology)
  const json = opts.json === true
  const bar = !json && process.stderr.isTTY === true
    ? new cliProgress.SingleBar({ format: 'sim [{bar}] {percentage}% | {value}/{total} s simulated', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined
  bar?.start(Math.ceil(topology.durationS), 0)
  let result: SimResult
  try {
    result = simulate(topology, {
      ...(seed !== undefined ? { seed } : {}),
      mode,
      ...(opts.wire === true ? { wire: true } : {}),
      ...(bar !== undefined ? { onProgress: (nowMs: number) => bar.update(Math.floor(nowMs / 1000)) } : {})
    })
  } finally {
    bar?.update(Math.ceil(topology.durationS))
    bar?.stop()
  }
  const report = result.report
  const command = reproduceCommand(file, report.seed, mode, opts.wire === true)
  const emulation = emulate ? await runEmulate(topology, report.final, opts.out, json, io) : undefined
  // The `emulation` section follows the Contract's fields, only with --emulate.
  const reportJson = emulation !== undefined ? JSON.stringify({ ...report, emulation: emulation.report }, null, 2) + '\n' : encodeReport(report)
  if (opts.out !== undefined) {
    mkdirSync(opts.out, { recursive: true })
    writeFileSync(join(opts.out, 'report.json'), reportJson)
    writeFileSync(join(opts.out, 'report.html'), renderHtml(result, { file, command, damping: topology.params.damping }))
  }
  if (json) io.out(reportJson)
  else io.out(summary(result, opts.out) + (emulation !== undefined ? emulationSummary(emulation) : ''))
  const memoryDiverged = Object.values(report.memory ?? {}).some((m) => !m.converged)
  const failed = result.violations.length > 0 || !report.converged || report.oscillating || memoryDiverged
  if (failed) {
    for (const v of result.violations.slice(0, 20)) io.err(`violation: ${v.atMs} ms ${v.checker} at ${v.node}: ${v.detail}\n`)
    io.err(`checker failed (${failedChecks(result).join(', ')}); reproduce with:\n  ${command}\n`)
  }
}

function failedChecks (result: SimResult): string[] {
  const out: string[] = []
  if (!result.report.converged) out.push('not converged')
  if (result.report.oscillating) out.push('oscillating')
  for (const [ns, m] of Object.entries(result.report.memory ?? {})) if (!m.converged) out.push(`memory ${ns} not converged`)
  const kinds = new Set(result.violations.map((v) => v.checker))
  for (const k of [...kinds].sort()) out.push(`${k} violation`)
  return out
}

export function reproduceCommand (file: string, seed: number, mode: SimMode, wire: boolean): string {
  return `atp sim ${file} --seed ${seed} --mode ${mode}${wire ? ' --wire' : ''}`
}

function summary (result: SimResult, out: string | undefined): string {
  const r = result.report
  const nodes = Object.keys(r.final).length
  const lines = [
    `${r.converged ? 'converged' : 'NOT converged'} at ${r.convergenceMs} ms (run ${r.endMs} ms, ${result.mode} mode, seed ${r.seed})${r.oscillating ? ', OSCILLATING' : ''}`,
    `nodes ${nodes}, events ${result.events}, messages ${r.messages.total} (route updates ${r.messages.updates}, withdrawals ${r.messages.withdrawals}), best-path changes ${r.bestPathChanges}`,
    `damping episodes ${r.damping.length}, checker violations ${result.violations.length}`,
    `state hash ${r.stateHash}`,
    ...Object.entries(r.memory ?? {}).map(([ns, m]) => `memory ${ns}: ${m.converged ? `converged at ${m.convergenceMs} ms, state hash ${m.stateHash}` : `NOT converged (last change at ${m.convergenceMs} ms)`}`)
  ]
  if (out !== undefined) lines.push(`wrote ${join(out, 'report.json')} and ${join(out, 'report.html')}`)
  return lines.join('\n') + '\n'
}

function parseMode (raw: string): SimMode {
  if (raw === 'timed' || raw === 'fifo') return raw
  throw new UsageError(`--mode must be timed or fifo, got "${raw}"`)
}

function parseSeed (raw: string): number {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > 0xffffffff) throw new UsageError(`--seed must be an integer in [0, 4294967295], got "${raw}"`)
  return n
}
