/**
 * Where the forward bench's daemons spend their CPU: reads the `.cpuprofile` files a
 * profiled run (BENCH_CPU_PROF_DIR, bench/parts/forward.ts) left, keeps the samples of
 * the concurrency-1 run only (forward-window.json), and prints per daemon the busy µs
 * per forwarded task and the top functions and files by self time.
 *
 *   npx tsx bench/forward/profile-summary.ts <dir> [top=25]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packagePath } from '../../daemon/package-root.ts'

interface CallFrame { readonly functionName: string, readonly url: string, readonly lineNumber: number }
interface ProfileNode { readonly id: number, readonly callFrame: CallFrame }
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const ROOT = `${packagePath('.')}/`
const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: profile-summary.ts <dir> [top]')
const top = Number(process.argv[3] ?? 25)
const window = JSON.parse(readFileSync(join(dir, 'forward-window.json'), 'utf8')) as { startUs: number, endUs: number, tasks: number, pids: Record<string, number> }

// Node names a profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the
// main thread (others are workers: the module loader's, the log transport's).
for (const [site, pid] of Object.entries(window.pids)) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[3] === String(pid) && f.split('.')[4] === '0')
  if (file === undefined) { console.log(`\n== ${site}: no main-thread profile of pid ${pid}`); continue }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let t = profile.startTime
  let busyUs = 0
  let idleUs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    t += delta
    if (t < window.startUs || t > window.endUs) continue
    const frame = byId.get(profile.samples[i] ?? -1)?.callFrame
    if (frame === undefined) continue
    if (frame.functionName === '(idle)') { idleUs += delta; continue }
    busyUs += delta
    const where = shortUrl(frame.url)
    const fn = `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${where}:${frame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta)
    byFile.set(where, (byFile.get(where) ?? 0) + delta)
  }
  const perTask = (us: number): string => (us / window.tasks).toFixed(0).padStart(6)
  const share = (us: number): string => `${(100 * us / Math.max(1, busyUs)).toFixed(1).padStart(5)} %`
  console.log(`\n== ${site} (${file}): busy ${perTask(busyUs).trim()} µs per task (${(busyUs / 1e6).toFixed(2)} s busy, ${(idleUs / 1e6).toFixed(2)} s idle in the window)`)
  console.log('-- by file (self) --')
  for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perTask(us)} µs/task ${share(us)}  ${k}`)
  console.log('-- by function (self) --')
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perTask(us)} µs/task ${share(us)}  ${k}`)
}

/** A path short enough to read: from node_modules/<package> or the package root on. */
function shortUrl (url: string): string {
  if (url === '') return '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const path = url.replace(/^file:\/\//, '')
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path
}
