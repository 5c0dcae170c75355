/**
 * `npm run test:repeat` (--runs 20, --load 1, or REPEAT_RUNS / REPEAT_LOAD; extra
 * arguments are the test paths, default test/integration test/sim): runs the suites
 * again and again while `--load` busy-loop processes compete for the CPU, and reports
 * every test that ever failed, with the runs it failed in and its first message.
 *
 * A race between a test and the daemons it drives (a listener attached late, a check
 * read before the state it waits for, a port taken between pick and bind) shows up
 * here long before it blocks somebody's merge. Progress on stderr, one JSON document
 * on stdout; exit 1 when any test failed in any run, 2 on a usage error.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const REPO = resolve(import.meta.dirname, '..')
const VITEST_BIN = join(REPO, 'node_modules', 'vitest', 'vitest.mjs')
const DEFAULT_SUITES = ['test/integration', 'test/sim']
const MAX_MESSAGE_CHARS = 600

interface RepeatOptions { runs: number, load: number, suites: string[] }

/** What vitest's json reporter writes (the fields read here). */
interface VitestJson {
  testResults: {
    name: string
    status: string
    message?: string
    assertionResults: { fullName: string, status: string, failureMessages: string[] }[]
  }[]
}

interface Failure { test: string, file: string, runs: number[], firstMessage: string }

class UsageError extends Error {}

function parseOptions (argv: readonly string[], env: NodeJS.ProcessEnv): RepeatOptions {
  const count = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got ${text}`)
    return n
  }
  let runs = count('REPEAT_RUNS', env.REPEAT_RUNS, 20, 1)
  let load = count('REPEAT_LOAD', env.REPEAT_LOAD, 1, 0)
  const suites: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--runs') runs = count('--runs', argv[++i], runs, 1)
    else if (arg === '--load') load = count('--load', argv[++i], load, 0)
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`)
    else suites.push(arg)
  }
  return { runs, load, suites: suites.length > 0 ? suites : DEFAULT_SUITES }
}

/** Busy-loop processes: the "under load" of a shared CI machine, made on purpose. */
function startLoad (n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

async function runOnce (suites: readonly string[], outputFile: string): Promise<number | null> {
  const child = spawn(process.execPath, [VITEST_BIN, 'run', ...suites, '--reporter=dot', '--reporter=json', `--outputFile.json=${outputFile}`], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  return await new Promise((res) => { child.on('close', (code) => { res(code) }) })
}

function failuresOf (report: VitestJson): { test: string, file: string, message: string }[] {
  const out: { test: string, file: string, message: string }[] = []
  for (const file of report.testResults) {
    const name = file.name.startsWith(REPO) ? file.name.slice(REPO.length + 1) : file.name
    const failed = file.assertionResults.filter((a) => a.status === 'failed')
    for (const a of failed) out.push({ test: a.fullName, file: name, message: a.failureMessages.join('\n') })
    // A hook that threw fails the file without failing any one test.
    if (failed.length === 0 && file.status === 'failed') out.push({ test: '(file)', file: name, message: file.message ?? 'failed' })
  }
  return out
}

async function main (opts: RepeatOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'atp-repeat-'))
  const load = startLoad(opts.load)
  const failures = new Map<string, Failure>()
  const startedAt = Date.now()
  let runsWithFailures = 0
  try {
    for (let run = 1; run <= opts.runs; run++) {
      const outputFile = join(dir, `run-${run}.json`)
      const t0 = Date.now()
      const code = await runOnce(opts.suites, outputFile)
      let found: ReturnType<typeof failuresOf>
      try {
        found = failuresOf(JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson)
      } catch (err) {
        found = [{ test: '(run)', file: '', message: `vitest exited ${String(code)} without a report: ${String(err)}` }]
      }
      if (found.length === 0 && code !== 0) found.push({ test: '(run)', file: '', message: `vitest exited ${String(code)}` })
      if (found.length > 0) runsWithFailures++
      for (const f of found) {
        const key = `${f.file} › ${f.test}`
        const seen = failures.get(key) ?? { test: f.test, file: f.file, runs: [], firstMessage: f.message.slice(0, MAX_MESSAGE_CHARS) }
        seen.runs.push(run)
        failures.set(key, seen)
      }
      process.stderr.write(`test:repeat: run ${run}/${opts.runs} ${found.length === 0 ? 'passed' : `FAILED (${found.map((f) => f.test).join('; ')})`} in ${Math.round((Date.now() - t0) / 1000)} s\n`)
    }
  } finally {
    for (const p of load) p.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const report = {
    runs: opts.runs,
    load: opts.load,
    suites: opts.suites,
    seconds: Math.round((Date.now() - startedAt) / 1000),
    runsWithFailures,
    failures: [...failures.values()].sort((a, b) => b.runs.length - a.runs.length)
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  return failures.size === 0 ? 0 : 1
}

let options: RepeatOptions
try {
  options = parseOptions(process.argv.slice(2), process.env)
} catch (err) {
  if (!(err instanceof UsageError)) throw err
  process.stderr.write(`test:repeat: ${err.message}\n`)
  process.exit(2)
}
process.exitCode = await main(options)
