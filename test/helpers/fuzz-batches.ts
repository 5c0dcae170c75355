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
