/**
 * The identifier rules of the federation: org and cluster ids, agent ids, tags,
 * regions, peer ids, OPEN feature names, agent endpoints and API tokens. The wire codecs, the config, the API and
 * the simulator's topology all take them from here.
 */
import { idRule } from './id-rule.ts'

export const MAX_ORG_ID_LENGTH = 32
export const MAX_AGENT_ID_LENGTH = 64
export const MAX_TAGS = 32
export const MAX_TAG_LENGTH = 64
export const MAX_REGION_LENGTH = 32
/** Peer ids (originPeerId, originatorId): base58 libp2p ids are ~52 chars. */
export const MAX_PEER_ID_LENGTH = 128
export const MAX_FEATURE_LENGTH = 64
export const MAX_ENDPOINT_LENGTH = 512
export const MAX_API_TOKEN_LENGTH = 512

export const ORG_ID_PATTERN = /^[a-z0-9-]{1,32}$/
export const AGENT_ID_PATTERN = /^[a-z0-9-]{1,64}$/
/** Tags (origin tags and path tags): lowercase, may use `.`, `_` and `:` (community-like `tier:gold`). */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/
/** Region: '' (unspecified) or lowercase like `eu`, `us-east-1`. */
export const REGION_PATTERN = /^[a-z0-9-]{0,32}$/
/** Peer ids are base58 (libp2p); tests use readable ids like `peer-acme`. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/
/** OPEN optional-feature names (`graceful-restart`, `route-refresh`). */
export const FEATURE_PATTERN = /^[a-z0-9-]{1,64}$/
/** Endpoints are URLs the consumer calls; printable ASCII without spaces is what the wire carries. */
export const ENDPOINT_PATTERN = /^[\x21-\x7e]*$/
/**
 * What a client can send in `Authorization: Bearer <token>`: header values are bytes
 * (non-Latin-1 cannot be written, fetch refuses it) and the scheme ends at the first
 * space, so a token outside visible ASCII would be accepted and unusable forever.
 */
export const API_TOKEN_PATTERN = /^[\x21-\x7e]*$/
export const MAX_NAMESPACE_ID_LENGTH = 64
/** A memory namespace: what the config declares is what the envelopes and sync messages carry. */
export const NAMESPACE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

export const orgId = idRule(ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, 'not an org name ([a-z0-9-]{1,32})')
/** A site of an org: the org id grammar (the default site is the org id itself). */
export const siteId = idRule(ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, 'not a site id ([a-z0-9-]{1,32})')
/** Reflector cluster ids follow the org id grammar. */
export const clusterId = idRule(ORG_ID_PATTERN, MAX_ORG_ID_LENGTH, 'not a cluster id ([a-z0-9-]{1,32})')
export const agentId = idRule(AGENT_ID_PATTERN, MAX_AGENT_ID_LENGTH, 'not an agent id ([a-z0-9-]{1,64})')
export const tag = idRule(TAG_PATTERN, MAX_TAG_LENGTH, 'not a tag ([a-z0-9][a-z0-9:._-]{0,63})')
export const region = idRule(REGION_PATTERN, MAX_REGION_LENGTH, 'not a region (lowercase [a-z0-9-], at most 32 characters)')
export const peerId = idRule(PEER_ID_PATTERN, MAX_PEER_ID_LENGTH, 'not a peer id ([A-Za-z0-9._-]{1,128})')
export const endpoint = idRule(ENDPOINT_PATTERN, MAX_ENDPOINT_LENGTH, 'not printable ASCII without spaces (what the wire carries)')
export const apiToken = idRule(API_TOKEN_PATTERN, MAX_API_TOKEN_LENGTH, 'must be visible ASCII (no spaces, control or non-ASCII characters): clients send it in an HTTP header')
export const namespaceId = idRule(NAMESPACE_ID_PATTERN, MAX_NAMESPACE_ID_LENGTH, 'not a namespace id ([a-z0-9][a-z0-9._-]{0,63})')
export const feature = idRule(FEATURE_PATTERN, MAX_FEATURE_LENGTH, 'not a feature name ([a-z0-9-]{1,64})')

/** Organization ids: `[a-z0-9-]{1,32}`. */
export const isOrgId = orgId.is
/** Cluster ids follow the org id grammar. */
export const isClusterId = clusterId.is
/** Agent ids: `[a-z0-9-]{1,64}`. */
export const isAgentId = agentId.is
