/**
 * Timing helpers shared by the benches (bench/*.bench.ts). Only benches time things:
 * tests never do (project standards).
 *
 * Every figure is a rate over a loop long enough to swamp timer resolution, after a
 * short warm-up so the JIT has compiled the code under test.
 */
import { performance } from 'node:perf_hooks'

/** BENCH_SCALE (default 1) multiplies workload sizes and measuring times. */
export function benchScale (): number {
  const s = Number(process.env.BENCH_SCALE ?? 1)
  return Number.isFinite(s) && s > 0 ? s : 1
}

/** `n` times BENCH_SCALE, rounded, at least 1. */
export function scaled (n: number): number {
  return Math.max(1, Math.round(n * benchScale()))
}

export interface Rate {
  /** Operations per second. */
  readonly perS: number
  readonly ops: number
  readonly ms: number
}

export interface MeasureOptions {
  /** Measure for at least this long (scaled by BENCH_SCALE). Default 300 ms. */
  readonly minMs?: number
  /** Calls of `op` between two clock reads. Default 64. */
  readonly batch?: number
  /** Warm-up time, untimed. Default 200 ms. */
  readonly warmupMs?: number
}

/**
 * Calls `op(i)` in batches until `minMs` passed and returns the rate. `op` returns
 * something so the work cannot be optimized away; the results are folded into a sink.
 */
export function measure (op: (i: number) => unknown, options: MeasureOptions = {}): Rate {
  const batch = options.batch ?? 64
  const minMs = (options.minMs ?? 300) * benchScale()
  let i = 0
  const warmEnd = performance.now() + (options.warmupMs ?? 200)
  while (performance.now() < warmEnd) for (let k = 0; k < batch; k++) sink(op(i++))
  const start = performance.now()
  let ops = 0
  let now = start
  while (now - start < minMs) {
    for (let k = 0; k < batch; k++) sink(op(i++))
    ops += batch
    now = performance.now()
  }
  const ms = now - start
  return { perS: ops / (ms / 1000), ops, ms }
}

/** Milliseconds taken by `fn`. */
export async function elapsedMs (fn: () => unknown): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

let sinkValue = 0
function sink (x: unknown): void {
  if (x === undefined) sinkValue++
}

/** Keeps the sink observable so the optimizer cannot prove it dead. */
export function sinkCount (): number {
  return sinkValue
}

/** Three significant digits: benchmark figures are not more precise than that. */
export function sig (x: number, digits = 3): number {
  if (!Number.isFinite(x) || x === 0) return x
  return Number(x.toPrecision(digits))
}
