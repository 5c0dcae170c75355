/**
 * How long the compiled CLI takes to answer, as an operator sees it: wall time of a
 * whole `node bin/atp.js …` process (module loading included), against a bare `node`
 * start on the same machine. Runs the build first when dist/ is missing.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { scaled } from './lib/measure.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

function wallMs (args: readonly string[]): number {
  const started = performance.now()
  const res = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ATP_USE_DIST: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
  const ms = performance.now() - started
  if (res.status !== 0) throw new Error(`node ${args.join(' ')} exited ${res.status}: ${res.stderr.toString()}`)
  return ms
}

function summarize (samples: number[]): { medianMs: number, p90Ms: number, minMs: number, runs: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0)
  return { medianMs: at(0.5), p90Ms: at(0.9), minMs: at(0), runs: sorted.length }
}

export default async function (): Promise<Record<string, unknown>> {
  if (!existsSync(join(ROOT, 'dist/cli/atp.js'))) {
    spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' })
  }
  const runs = scaled(15)
  const cases: Record<string, readonly string[]> = {
    nodeBaseline: ['-e', '0'],
    atpHelp: ['bin/atp.js', '--help'],
    atpVersion: ['bin/atp.js', '--version'],
    atpdHelp: ['bin/atpd.js', '--help']
  }
  const out: Record<string, unknown> = {}
  for (const [name, args] of Object.entries(cases)) {
    wallMs(args) // warm the file cache
    const samples: number[] = []
    for (let i = 0; i < runs; i++) samples.push(wallMs(args))
    out[name] = summarize(samples)
  }
  return out
}
