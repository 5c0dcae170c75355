/**
 * Bounds every decoded frame must respect (docs/protocol.md). They keep one frame's
 * worth of memory and CPU small and predictable, whatever a neighbor sends.
 */
export const MAX_ANNOUNCES_PER_UPDATE = 4096
export const MAX_WITHDRAWS_PER_UPDATE = 4096
export const MAX_TAGS = 32
export const MAX_TAG_LENGTH = 64
export const MAX_PATH_ENTRIES = 64
export const SIGNATURE_BYTES = 64
export const MAX_ATTRS_BYTES = 8192
export const MAX_NOTIFICATION_TEXT = 1024
export const MAX_INTERESTS = 256
export const MAX_OPEN_CAPABILITIES = 32
export const MAX_ENDPOINT_LENGTH = 512
/** Peer ids (originPeerId, originatorId): base58 libp2p ids are ~52 chars. */
export const MAX_PEER_ID_LENGTH = 128
export const MAX_REGION_LENGTH = 32
/** BGP's hold time is 16 bits; so is ours. */
export const MAX_HOLD_TIME_S = 65535

/** Tags (origin tags and path tags): lowercase, may use `.`, `_` and `:` (community-like `tier:gold`). */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/
/** Endpoints are URLs the consumer calls; printable ASCII without spaces is what the wire carries. */
export const ENDPOINT_PATTERN = /^[\x21-\x7e]*$/
/** Region: '' (unspecified) or lowercase like `eu`, `us-east-1`. */
export const REGION_PATTERN = /^[a-z0-9-]{0,32}$/
/** Peer ids are base58 (libp2p); tests use readable ids like `peer-acme`. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/
/** OPEN optional-feature names (`graceful-restart`, `route-refresh`). */
export const FEATURE_PATTERN = /^[a-z0-9-]{1,64}$/
