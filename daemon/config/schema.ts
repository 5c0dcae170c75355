/**
 * The site config (YAML) of one atpd, as a zod schema. Field-level rules live here;
 * rules across fields (cluster iff reflector, neighbor roles, token when not loopback,
 * duplicates) are in checks.ts. Every object is strict: an unknown key is an error,
 * because a misspelt key silently ignored is a misconfigured router.
 */
import { z } from 'zod'
import {
  DEFAULT_DAMPING, DEFAULT_FRESHNESS, DEFAULT_HOLD_TIME_S, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MRAI_MS,
  DEFAULT_RESTART_TIME_S, MAX_HOLD_TIME_S, MAX_INTERESTS
} from '../../agp/index.ts'
import { DEFAULT_LIMITS, DEFAULT_ROUTE_REFRESH_INTERVAL_MS } from '../../reflector/index.ts'
import { cardAgentSchema, staticAgentSchema } from './schema-agent.ts'
import { budgetsSchema, originLimitsSchema, windowsSchema } from './schema-windows.ts'
import {
  capability, clusterId, listenAddress, multiaddrString, nonNegative, orgName, peerId, positive, positiveInt, siteId
} from './schema-common.ts'
import { neighborRole, policySchema } from './schema-policy.ts'
import { apiToken, namespaceId } from '../../kernel/index.ts'
import { LOG_LEVELS } from './log-levels.ts'

export const DEFAULT_API_LISTEN = '127.0.0.1:7101'
export const DEFAULT_MAX_BACKOFF_S = DEFAULT_MAX_BACKOFF_MS / 1000
export const MAX_NEIGHBORS = 1000
export const MAX_AGENTS = 1_000_000

const neighborSchema = z.strictObject({
  peer: peerId,
  addrs: z.array(multiaddrString).max(16).default([]),
  org: orgName,
  role: neighborRole,
  maxRoutes: positiveInt.optional()
})

const apiSchema = z.strictObject({
  listen: listenAddress.default(DEFAULT_API_LISTEN),
  token: apiToken.schema.min(16, { error: 'too short (at least 16 characters)' }).nullable().default(null)
})

const d = DEFAULT_DAMPING
const dampingSchema = z.strictObject({
  halfLifeS: positive.default(d.halfLifeS),
  suppress: positive.default(d.suppress),
  reuse: positive.default(d.reuse),
  maxSuppressS: positive.default(d.maxSuppressS),
  withdrawPenalty: nonNegative.default(d.withdrawPenalty),
  changePenalty: nonNegative.default(d.changePenalty),
  readvertisePenalty: nonNegative.default(d.readvertisePenalty),
  hysteresis: z.strictObject({
    costRel: nonNegative.default(d.hysteresis.costRel),
    latencyRel: nonNegative.default(d.hysteresis.latencyRel),
    winRateAbs: z.number().min(0).max(1).default(d.hysteresis.winRateAbs)
  }).prefault({})
})

const f = DEFAULT_FRESHNESS
const freshnessSchema = z.strictObject({
  refreshS: positive.default(f.refreshS),
  staleS: positive.default(f.staleS),
  maxAgeS: positive.default(f.maxAgeS)
})

const discoverySchema = z.strictObject({
  federation: z.string().regex(/^[a-z0-9-]{1,64}$/, { error: 'not a federation name ([a-z0-9-]{1,64})' }),
  bootstrap: z.array(multiaddrString).max(64).default([])
})

const namespaceSchema = z.strictObject({
  id: namespaceId.schema,
  members: z.array(orgName).min(1),
  writers: z.array(orgName).default([])
})

/** The data plane (/a2a endpoint, /atp/task/1.0.0): docs/data-plane.md. */
export const DEFAULT_FORWARDING = Object.freeze({ timeoutMs: 30_000, attempts: 2, maxInFlight: 1000, maxMessageBytes: 1024 * 1024 })
const forwardingSchema = z.strictObject({
  timeoutMs: z.number().int().min(1).max(86_400_000).default(DEFAULT_FORWARDING.timeoutMs),
  attempts: z.number().int().min(1).max(16).default(DEFAULT_FORWARDING.attempts),
  maxInFlight: z.number().int().min(1).max(1_000_000).default(DEFAULT_FORWARDING.maxInFlight),
  maxMessageBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_FORWARDING.maxMessageBytes)
})

const l = DEFAULT_LIMITS
/**
 * A daemon keeps up to this many paths per capability (the core's default, 64, is the
 * simulator's): a federation with 100 agents behind one capability must not lose a
 * third of them without a word.
 */
export const DEFAULT_MAX_PATHS_PER_CAPABILITY = 1024
/**
 * Changes turned into UPDATEs per turn and neighbor (~550 KB of frames at 512 routes
 * per UPDATE): a full table streams at the pace the connection drains.
 */
export const DEFAULT_EXPORT_ROUTES_PER_TURN = 2048
const limitsSchema = z.strictObject({
  maxRoutesPerNeighbor: positiveInt.default(l.maxRoutesPerNeighbor),
  maxPathsPerCapability: positiveInt.default(DEFAULT_MAX_PATHS_PER_CAPABILITY),
  maxRoutesPerUpdate: positiveInt.default(l.maxRoutesPerUpdate),
  routeRefreshIntervalMs: z.number().int().nonnegative().default(DEFAULT_ROUTE_REFRESH_INTERVAL_MS),
  exportRoutesPerTurn: z.number().int().nonnegative().default(DEFAULT_EXPORT_ROUTES_PER_TURN)
})

/** Audit log rotation and retention (daemon/audit/segments.ts). */
const auditSchema = z.strictObject({
  rotateBytes: z.number().int().min(64 * 1024).default(64 * 1024 * 1024),
  keepFiles: positiveInt.default(16),
  keepDays: positive.default(365),
  checkpointEveryS: positive.default(10)
})

/** A config agent: the agent, plus the limits its origin daemon enforces per consumer org. */
const siteAgentSchema = z.union([
  staticAgentSchema.extend({ limits: originLimitsSchema.optional() }),
  cardAgentSchema.extend({ limits: originLimitsSchema.optional() })
])

/**
 * Outcomes shared with the org's other sites over internal sessions (daemon/outcomes/).
 * Opt-in on each site: a site sends only when enabled and takes only when enabled.
 */
const outcomeSharingSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Outcomes per second sent to, and taken from, each internal neighbor. */
  maxPerS: positiveInt.max(1000).default(20)
})

export { LOG_LEVELS }

export const siteConfigSchema = z.strictObject({
  org: orgName,
  /** This daemon's site in its org; absent = the org's default site (the org id). */
  site: siteId.optional(),
  /** Nearest site first: cost per other site of the org (absent = the step is off). */
  sitePreference: z.record(siteId, nonNegative).optional(),
  role: z.enum(['peer', 'reflector'], { error: (iss) => iss.input === undefined ? 'required' : "not a role ('peer' | 'reflector')" }),
  dataDir: z.string().min(1),
  listen: z.array(multiaddrString).max(16).default(['/ip4/127.0.0.1/tcp/0']),
  api: apiSchema.prefault({}),
  cluster: clusterId.optional(),
  neighbors: z.array(neighborSchema).max(MAX_NEIGHBORS).default([]),
  /** Absent = everything; stored as [] (the core's "everything"). */
  interests: z.array(capability).max(MAX_INTERESTS).default([]),
  agents: z.array(siteAgentSchema).max(MAX_AGENTS).default([]),
  damping: dampingSchema.prefault({}),
  freshness: freshnessSchema.prefault({}),
  mraiMs: z.number().int().nonnegative().default(DEFAULT_MRAI_MS),
  // The wire carries hold time in 16 bits; neighbors refuse a larger OPEN (2/6).
  holdTimeS: z.number().int().max(MAX_HOLD_TIME_S).refine((v) => v === 0 || v >= 3, { error: 'must be 0 (no hold timer) or at least 3 (RFC 4271 §4.2)' })
    .default(DEFAULT_HOLD_TIME_S),
  restartTimeS: z.number().int().nonnegative().default(DEFAULT_RESTART_TIME_S),
  reconnect: z.strictObject({ maxBackoffS: positive.default(DEFAULT_MAX_BACKOFF_S) }).prefault({}),
  policy: policySchema.prefault({}),
  discovery: discoverySchema.optional(),
  memory: z.strictObject({ namespaces: z.array(namespaceSchema).max(1000).default([]) }).prefault({}),
  outcomeSharing: outcomeSharingSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  forwarding: forwardingSchema.prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  windows: windowsSchema.prefault({}),
  budgets: budgetsSchema.default([]),
  audit: auditSchema.prefault({})
})

export type SiteConfig = z.output<typeof siteConfigSchema>
export type SiteConfigInput = z.input<typeof siteConfigSchema>
export type NeighborEntry = SiteConfig['neighbors'][number]
