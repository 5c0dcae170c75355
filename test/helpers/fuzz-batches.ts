/**
 * Sequence properties (a neighbor's frames, a peer's DHT writes) feed many inputs per
 * fast-check run, so their fuzz budget counts inputs and they run batches of runs until
 * the count reaches it. Under a pinned seed (FC_SEED) every batch would replay the same
 * sequences: batch n takes the pinned seed + n instead.
 */
import fc from 'fast-check'

export function batchParameters (batch: number, numRuns: number): fc.Parameters<unknown> {
  const { seed } = fc.readConfigureGlobal()
  return seed === undefined ? { numRuns } : { numRuns, seed: seed + batch }
}

/**
 * One line per `every` inputs of a long fuzz run (none when `every` is 0), so a run
 * stopped before its budget still says how far it got with no failure. After a failing
 * input fast-check shrinks, re-running the property: the count stops there.
 */
export class FuzzProgress {
  private count = 0
  private failed = false
  private readonly cpu = process.cpuUsage()

  constructor (private readonly name: string, private readonly every: number) {}

  get inputs (): number { return this.count }

  add (n = 1): void {
    if (this.failed) return
    const before = this.count
    this.count += n
    if (this.every > 0 && Math.floor(before / this.every) !== Math.floor(this.count / this.every)) {
      console.log(`${this.name}: ${this.count} inputs, no failure, ${this.cpuS()} s of CPU, ${new Date().toISOString()}`)
    }
  }

  /** Runs one input's check (sync or async); a throw marks the run failed. */
  check<T>(f: () => T): T {
    try {
      const r = f()
      if (r instanceof Promise) return r.catch((err: unknown) => { this.fail(); throw err }) as T
      return r
    } catch (err) {
      this.fail()
      throw err
    }
  }

  private fail (): void {
    if (!this.failed && this.every > 0) console.log(`${this.name}: an input failed after ${this.count} inputs; fast-check shrinks it`)
    this.failed = true
  }

  private cpuS (): number {
    const { user, system } = process.cpuUsage(this.cpu)
    return Math.round((user + system) / 1e6)
  }
}
