/**
 * Every SAMPLE_EVERY_MS: each daemon's RSS and open fds (/proc), its watched metrics,
 * and whether it is still alive. Summaries compare the last sample of a daemon's
 * current lifetime with its first sample after warm-up (a restarted reflector starts a
 * new lifetime, so its fresh heap is not read as shrinkage or growth).
 */
import type { ErrorLog } from './churn.ts'
import type { SoakSite } from './federation.ts'
import { fetchMetrics, sampleProc } from './probe.ts'

export const SAMPLE_EVERY_MS = 10_000

export interface Sample {
  /** Seconds since the churn started. */
  readonly tS: number
  readonly incarnation: number
  readonly rssKiB: number
  readonly fds: number
  readonly metrics?: Record<string, number>
}

export interface Death {
  readonly site: string
  readonly tS: number
  readonly exitCode: number | null | undefined
  readonly logTail: string
}

export interface SiteSummary {
  readonly role: string
  readonly samples: number
  readonly minRssMiB: number
  readonly maxRssMiB: number
  /** First sample after warm-up of the current lifetime, and the last one. */
  readonly baselineRssMiB?: number
  readonly lastRssMiB?: number
  readonly rssGrowth?: number
  readonly baselineFds?: number
  readonly lastFds?: number
  readonly fdGrowth?: number
  readonly maxFds: number
  readonly windowS?: number
  readonly lastMetrics?: Record<string, number>
}

export class Sampler {
  readonly samples = new Map<string, Sample[]>()
  readonly deaths: Death[] = []
  /** When each site's current lifetime began (s since churn start). */
  private readonly lifetimeStartS = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private running = false

  constructor (private readonly sites: readonly SoakSite[], private readonly t0Ms: number, private readonly errors: ErrorLog) {
    for (const s of sites) { this.samples.set(s.name, []); this.lifetimeStartS.set(s.name, 0) }
  }

  start (): void {
    this.timer = setInterval(() => { void this.tick() }, SAMPLE_EVERY_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Marks the start of a new lifetime (after a restart). */
  restarted (site: string): void {
    this.lifetimeStartS.set(site, this.nowS())
  }

  async tick (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      await Promise.all(this.sites.map(async (s) => { await this.sampleSite(s) }))
    } finally {
      this.running = false
    }
  }

  private async sampleSite (s: SoakSite): Promise<void> {
    if (s.busy) return
    const pid = s.proc.pid
    if (!s.proc.running || pid === undefined) {
      if (!this.deaths.some((d) => d.site === s.name)) {
        this.deaths.push({ site: s.name, tS: this.nowS(), exitCode: s.proc.exitCode, logTail: s.proc.logs.slice(-2000) })
        this.errors.add(`${s.name} died (exit code ${String(s.proc.exitCode)})`)
      }
      return
    }
    const proc = await sampleProc(pid)
    if (proc === undefined) return
    // A frozen daemon cannot answer: /proc still can.
    const metrics = s.frozen ? undefined : await fetchMetrics(s.proc.apiUrl)
    this.samples.get(s.name)?.push({ tS: this.nowS(), incarnation: s.incarnation, ...proc, ...(metrics !== undefined ? { metrics } : {}) })
  }

  summary (warmupS: number): Record<string, SiteSummary> {
    const out: Record<string, SiteSummary> = {}
    for (const s of this.sites) {
      const all = this.samples.get(s.name) ?? []
      const life = all.filter((x) => x.incarnation === s.incarnation)
      const from = (this.lifetimeStartS.get(s.name) ?? 0) + warmupS
      const base = life.find((x) => x.tS >= from)
      const last = life.at(-1)
      const lastMetrics = [...all].reverse().find((x) => x.metrics !== undefined)?.metrics
      const mib = (kib: number): number => Math.round(kib / 102.4) / 10
      out[s.name] = {
        role: s.role,
        samples: all.length,
        minRssMiB: all.length === 0 ? 0 : mib(Math.min(...all.map((x) => x.rssKiB))),
        maxRssMiB: mib(Math.max(0, ...all.map((x) => x.rssKiB))),
        maxFds: Math.max(0, ...all.map((x) => x.fds)),
        ...(base !== undefined && last !== undefined && last !== base
          ? {
              baselineRssMiB: mib(base.rssKiB),
              lastRssMiB: mib(last.rssKiB),
              rssGrowth: Math.round((last.rssKiB / base.rssKiB) * 100) / 100,
              baselineFds: base.fds,
              lastFds: last.fds,
              fdGrowth: last.fds - base.fds,
              windowS: Math.round(last.tS - base.tS)
            }
          : {}),
        ...(lastMetrics !== undefined ? { lastMetrics } : {})
      }
    }
    return out
  }

  /** `[tS, RSS MiB, fds]` per sample: the curve, for the record. */
  timeline (): Record<string, Array<[number, number, number]>> {
    return Object.fromEntries([...this.samples].map(([name, xs]) => [name, xs.map((x) => [x.tS, Math.round(x.rssKiB / 1024), x.fds] as [number, number, number])]))
  }

  private nowS (): number {
    return Math.round((Date.now() - this.t0Ms) / 100) / 10
  }
}
