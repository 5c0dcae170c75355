/**
 * `npm run bench`: prints one JSON object on stdout, progress on stderr.
 *
 *   npm run bench -- --json [--quick] [--only reflect|resolve|memory|sim|forward] [--routes N] [--with-bird]
 *
 * runs the parts (all five, or the one named) and prints `{ machine, date, command,
 * reflect: {…}, resolve: {…}, memory: {…}, sim: {…}, forward: {…} }` with the keys of
 * the parts that ran. --quick shrinks the workloads (10,000 routes; a 2,000-daemon
 * simulation; fewer forwarded tasks).
 *
 *   npm run bench -- codec speaker
 *
 * runs the micro benches named (bench/*.bench.ts without the suffix; `--micro` for all
 * of them) and prints `{ machine, date, command, results: { name: figures } }`.
 */
import '../daemon/runtime/polyfills.ts'
import { readdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { forwardPart } from './parts/forward.ts'
import { memoryPart } from './parts/memory.ts'
import { reflectPart } from './parts/reflect.ts'
import { resolvePart } from './parts/resolve.ts'
import { simPart } from './parts/sim.ts'

const PARTS = ['reflect', 'resolve', 'memory', 'sim', 'forward'] as const
type Part = typeof PARTS[number]

const { values, positionals } = parseArgs({
  options: {
    json: { type: 'boolean' },
    quick: { type: 'boolean' },
    only: { type: 'string' },
    routes: { type: 'string' },
    'with-bird': { type: 'boolean' },
    micro: { type: 'boolean' }
  },
  allowPositionals: true,
  strict: true
})

const progress = (s: string): void => { process.stderr.write(`${s}\n`) }
const quick = values.quick === true
const routes = values.routes !== undefined ? Number(values.routes) : quick ? 10_000 : 100_000
if (!Number.isInteger(routes) || routes < 1) throw new Error(`--routes: not a positive integer: ${values.routes}`)
if (values.only !== undefined && !(PARTS as readonly string[]).includes(values.only)) {
  throw new Error(`--only: not a part (${PARTS.join(' | ')}): ${values.only}`)
}

const cpu = cpus()[0]
const head = {
  machine: { cpus: cpus().length, model: cpu?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  date: new Date().toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()
}

if (positionals.length > 0 || values.micro === true) {
  process.stdout.write(JSON.stringify({ ...head, results: await runMicro(positionals) }, null, 2) + '\n')
} else {
  const out: Record<string, unknown> = { ...head }
  const wanted: readonly Part[] = values.only !== undefined ? [values.only as Part] : PARTS
  for (const part of wanted) {
    progress(`bench ${part}...`)
    switch (part) {
      case 'reflect': out.reflect = await reflectPart(routes, values['with-bird'] === true, progress); break
      case 'resolve': out.resolve = await resolvePart(routes, progress); break
      case 'memory': out.memory = await memoryPart(); break
      case 'sim': out.sim = await simPart(quick); break
      case 'forward': out.forward = await forwardPart(quick, progress); break
    }
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}

async function runMicro (wanted: readonly string[]): Promise<Record<string, unknown>> {
  const dir = dirname(fileURLToPath(import.meta.url))
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
    .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))
  const results: Record<string, unknown> = {}
  for (const file of files) {
    const name = basename(file, '.bench.ts')
    progress(`bench ${name}...`)
    const mod = await import(pathToFileURL(join(dir, file)).href) as { default: () => Promise<Record<string, unknown>> }
    results[name] = await mod.default()
  }
  return results
}
