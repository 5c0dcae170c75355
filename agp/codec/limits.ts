/**
 * Bounds every decoded frame must respect (docs/protocol.md). They keep one frame's
 * worth of memory and CPU small and predictable, whatever a neighbor sends. The
 * identifier rules (ids, tags, regions, peer ids, endpoints) are the kernel's (kernel/ids).
 */
export const MAX_ANNOUNCES_PER_UPDATE = 4096
export const MAX_WITHDRAWS_PER_UPDATE = 4096
/** A refresh names up to a batch's routes (MAX_BATCH_SIZE ids); 1,024 of them stay far below MAX_FRAME_BYTES at the ids' usual length. */
export const MAX_REFRESHES_PER_UPDATE = 1024
export const MAX_PATH_ENTRIES = 64
export const SIGNATURE_BYTES = 64
export const MAX_ATTRS_BYTES = 8192
export const MAX_NOTIFICATION_TEXT = 1024
export const MAX_INTERESTS = 256
export const MAX_OPEN_CAPABILITIES = 32
/** BGP's hold time is 16 bits; so is ours. */
export const MAX_HOLD_TIME_S = 65535
