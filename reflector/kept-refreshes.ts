/**
 * The batch refreshes a speaker holds (speaker-batch-refresh.ts): the latest verified
 * one per (origin, batch signature), and those on their way to each neighbor.
 */
import type { BatchRefresh } from '../agp/index.ts'
import { FifoMap } from '../kernel/index.ts'

/**
 * Refreshes kept per speaker (the latest per origin batch): 131,072 batches of 64
 * routes cover 8 million routes. One forgotten costs a route announced later its
 * stamp until the origin's next refresh, never a wrong answer.
 */
export const MAX_KEPT_REFRESHES = 131_072

export function newRefreshTable (): FifoMap<string, BatchRefresh> {
  return new FifoMap(MAX_KEPT_REFRESHES)
}

/** A refresh on its way to one neighbor, with the routes it names there. */
export interface PendingRefresh {
  refresh: BatchRefresh
  readonly originOrg: string
  readonly agentIds: Set<string>
}
