/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line)
 * and prints one JSON document: { machine, date, command, results: { name: figures } }.
 * Each bench module exports `default async function (): Promise<Record<string, unknown>>`.
 * Figures go into docs/benchmarks.md with the machine, date and command.
 */
import '../daemon/runtime/polyfills.ts'
import { readdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const dir = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2)
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))

const results: Record<string, unknown> = {}
for (const file of files) {
  const name = basename(file, '.bench.ts')
  process.stderr.write(`bench ${name}...\n`)
  const mod = await import(pathToFileURL(join(dir, file)).href) as { default: () => Promise<Record<string, unknown>> }
  results[name] = await mod.default()
}

const cpu = cpus()[0]
process.stdout.write(JSON.stringify({
  machine: { cpus: cpus().length, model: cpu?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  date: new Date().toISOString(),
  command: `npm run bench${wanted.length > 0 ? ' -- ' + wanted.join(' ') : ''}`,
  results
}, null, 2) + '\n')
