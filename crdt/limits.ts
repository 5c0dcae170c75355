/**
 * Bounds of the memory core. Every table, queue and byte string has one: the memory
 * layer takes bytes from other organizations and must never grow without limit.
 */
export interface MemoryLimits {
  /** Largest Yjs update carried by one envelope (e.g. 256 KiB). */
  readonly maxUpdateBytes: number
  /** Largest encoded envelope (update + header + signature). */
  readonly maxEnvelopeBytes: number
  /** Largest vector clock on the wire (streams). */
  readonly maxDeps: number
  /** Envelopes parked per signer while their dependencies are missing. */
  readonly maxParkedPerPeer: number
  /** Bytes parked per signer. */
  readonly maxParkedBytesPerPeer: number
  /** Largest sync message (several envelopes). */
  readonly maxSyncMessageBytes: number
  /** Envelopes per sync 'envelopes' message. */
  readonly maxEnvelopesPerMessage: number
  /** Local changes within this window share one envelope. */
  readonly batchWindowMs: number
  /** Local transactions per batch before it is sealed early. */
  readonly maxBatchUpdates: number
  /** History records kept per entry key (oldest dropped first). */
  readonly maxHistoryPerKey: number
  /** Entry key length (UTF-16 units) and encoded JSON value bytes. */
  readonly maxKeyLength: number
  readonly maxValueBytes: number
  /** Nesting levels of a JSON value (arrays and objects). */
  readonly maxValueDepth: number
  /** Characters inserted by one text edit request. */
  readonly maxTextInsert: number
  /** Envelopes older than this (by atMs) lose their update bytes at compaction. */
  readonly compactAfterMs: number
  /** Batch roots whose signature verified, kept so a batch costs one check (oldest out). */
  readonly maxVerifiedRoots: number
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = Object.freeze({
  maxUpdateBytes: 256 * 1024,
  maxEnvelopeBytes: 256 * 1024 + 16 * 1024,
  maxDeps: 1024,
  maxParkedPerPeer: 1000,
  maxParkedBytesPerPeer: 4 * 1024 * 1024,
  maxSyncMessageBytes: 1024 * 1024,
  maxEnvelopesPerMessage: 256,
  batchWindowMs: 50,
  maxBatchUpdates: 1000,
  maxHistoryPerKey: 1000,
  maxKeyLength: 256,
  maxValueBytes: 64 * 1024,
  maxValueDepth: 64,
  maxTextInsert: 64 * 1024,
  compactAfterMs: 24 * 3600 * 1000,
  maxVerifiedRoots: 1024
})
