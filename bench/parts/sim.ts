/**
 * Contract part `sim`: examples/topologies/large.yaml (10,000 daemons) simulated, wall
 * time from start to report (bench/sim-large.bench.ts). --quick runs 2,000 orgs.
 */
import simBench from '../sim-large.bench.ts'

export async function simPart (quick: boolean): Promise<Record<string, unknown>> {
  if (quick) process.env.BENCH_ORGS ??= '2000'
  const figures = await simBench()
  return { daemons: figures.nodes, seconds: Number(figures.wallMs) / 1000, ...figures }
}
