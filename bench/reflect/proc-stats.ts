/**
 * What the reflect bench reads about a process from /proc (Linux): resident set size,
 * its peak, and CPU time used. The same reader serves atpd and BIRD, so both sides are
 * measured alike.
 */
import { readFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_S = 100

export interface ProcStats {
  readonly rssBytes: number
  readonly peakRssBytes: number
  readonly cpuSeconds: number
}

export function procStats (pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return m === null ? 0 : Number(m[1]) * 1024
  }
  // The command name (field 2) may hold spaces: count fields after its closing paren.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), cpuSeconds: (utime + stime) / TICKS_PER_S }
}

/** Waits until RSS changes by less than `toleranceBytes` over `stableMs`, at most `maxMs`; returns the last reading. */
export async function settledRss (pid: number, options: { stableMs?: number, maxMs?: number, toleranceBytes?: number } = {}): Promise<number> {
  const stableMs = options.stableMs ?? 1000
  const deadline = Date.now() + (options.maxMs ?? 10_000)
  const tolerance = options.toleranceBytes ?? 1024 * 1024
  let last = procStats(pid).rssBytes
  for (;;) {
    await sleep(stableMs)
    const now = procStats(pid).rssBytes
    if (Math.abs(now - last) < tolerance || Date.now() > deadline) return now
    last = now
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
