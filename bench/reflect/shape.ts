/**
 * The reflect bench's shape, shared by the atpd and the BIRD side: 1 origin → 1
 * reflector → RECEIVERS receiving clients, `routes` routes with attributes of their
 * own, over two-segment capabilities of AGENTS_PER_CAPABILITY agents each
 * (100,000 routes = 1,000 capabilities × 100 agents).
 */
export const RECEIVERS = 3
export const AGENTS_PER_CAPABILITY = 100

export interface ReflectFigures {
  readonly routes: number
  readonly receivers: number
  /** From the origin's session Established at the reflector to the slowest receiver holding every route. */
  readonly seconds: number
  readonly routesPerSecondPerReceiver: number
  readonly reflectorPeakRssBytes: number
  /** (reflector RSS settled after convergence − RSS before the origin connected) / routes. */
  readonly bytesPerRoute: number
  readonly reflectorCpuSeconds: number
  /** false when some receiver did not hold every route before the time limit. */
  readonly converged: boolean
  /** Routes the slowest receiver held at the end (= routes when converged). */
  readonly slowestReceiverRoutes: number
}

export function capabilityOf (i: number): string {
  return `cap-${String(Math.floor(i / AGENTS_PER_CAPABILITY)).padStart(5, '0')}/run`
}

/** Agent i of the origin: every route has attributes of its own (cost, latency, win rate). */
export interface BenchAgent {
  readonly id: string
  readonly capability: string
  readonly endpoint: string
  readonly costUsd: number
  readonly latencyMs: { readonly p50: number, readonly p95: number }
  readonly winRate: { readonly wins: number, readonly trials: number }
  readonly region: string
  readonly tags: readonly string[]
}

export function benchAgent (i: number): BenchAgent {
  const k = i % AGENTS_PER_CAPABILITY
  return {
    id: `a${i}`,
    capability: capabilityOf(i),
    endpoint: `http://127.0.0.1:9000/agents/${i}`,
    costUsd: Number((0.01 + k * 0.001).toFixed(3)),
    latencyMs: { p50: 100 + k, p95: 200 + 2 * k },
    winRate: { wins: k % 50, trials: 50 },
    region: 'eu',
    tags: []
  }
}

/** Seconds allowed for convergence: generous (10× a slow first measurement), then reported as not converged. */
export function convergeTimeoutMs (routes: number): number {
  return Math.max(60_000, routes * 3)
}

export function round3 (x: number): number {
  return Number(x.toPrecision(3))
}
