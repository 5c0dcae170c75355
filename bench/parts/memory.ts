/** Contract part `memory`: verified envelopes applied per second (bench/memory.bench.ts). */
import memoryBench from '../memory.bench.ts'

export async function memoryPart (): Promise<Record<string, unknown>> {
  const figures = await memoryBench()
  return { envelopes: figures.envelopes, envelopesPerSecond: figures.verifiedEnvelopesAppliedPerSecond, ...figures }
}
