/**
 * The topology file of `atp sim` (YAML), as a strict zod schema: an unknown key is an
 * error naming its field path. The shape is public interface; `defaults.jitterMs`,
 * `defaults.holdTimeS` and `defaults.wire` are additive. Identifiers follow the
 * federation's own rules (kernel/ids), so a topology that loads never fails later in
 * origination or on the wire.
 * Cross-references (unknown org, agent, node ids) are checked in validate.ts.
 */
import { z } from 'zod'
import { budgetsSchema, originLimitsSchema } from '../../daemon/config/schema-windows.ts'
import { memorySchema } from './memory-spec.ts'
import { agentId, capabilitySchema, clusterId, MAX_TAGS, ORG_ID_PATTERN, orgId, region, siteId, tag } from '../../kernel/index.ts'

/** Node names (orgs and reflectors share one namespace) follow the org id grammar. */
export const idSchema = z.string().regex(ORG_ID_PATTERN, 'must match [a-z0-9-]{1,32}')
const orgIdSchema = orgId.schema
const agentIdSchema = agentId.schema
const regionSchema = region.schema
const tagsSchema = z.array(tag.schema).max(MAX_TAGS)
const nonNegative = z.number().finite().nonnegative()
const positive = z.number().finite().positive()

const hysteresisSchema = z.strictObject({
  costRel: nonNegative,
  latencyRel: nonNegative,
  winRateAbs: nonNegative
}).partial()

/** As atpd's `damping:` key; `false` turns damping off (no penalty is ever added). */
export const dampingSchema = z.union([
  z.literal(false),
  z.strictObject({
    halfLifeS: positive,
    suppress: positive,
    reuse: positive,
    maxSuppressS: positive,
    withdrawPenalty: nonNegative,
    changePenalty: nonNegative,
    readvertisePenalty: nonNegative,
    hysteresis: hysteresisSchema
  }).partial()
])

export const freshnessSchema = z.strictObject({
  refreshS: positive,
  staleS: positive,
  maxAgeS: positive
}).partial()

const defaultsSchema = z.strictObject({
  linkDelayMs: nonNegative,
  mraiMs: nonNegative,
  damping: dampingSchema,
  freshness: freshnessSchema,
  /** Extra per-message delay, uniform in [0, jitterMs), from the seeded Random. */
  jitterMs: nonNegative,
  holdTimeS: positive,
  /** Round-trip every frame through the protobuf codec (as `--wire`). */
  wire: z.boolean()
}).partial()

const latencySchema = z.strictObject({ p50: nonNegative, p95: nonNegative })
const winRateSchema = z.strictObject({ wins: z.number().int().nonnegative(), trials: z.number().int().nonnegative() })
  .refine((w) => w.wins <= w.trials, { message: 'wins must not exceed trials' })

/**
 * How an agent serves task traffic: `capacity` tasks at once, each taking about
 * `serviceMs`; up to `queue` more wait (latency grows with the wait); beyond, the
 * agent answers overloaded (HTTP 429).
 */
const serviceSchema = z.strictObject({
  capacity: z.number().int().min(1).max(100_000),
  serviceMs: positive,
  queue: z.number().int().nonnegative().max(1_000_000).optional()
})

export const agentSchema = z.strictObject({
  id: agentIdSchema,
  capability: capabilitySchema,
  costUsd: nonNegative,
  latencyMs: latencySchema,
  winRate: winRateSchema,
  region: regionSchema.optional(),
  tags: tagsSchema.optional(),
  service: serviceSchema.optional(),
  limits: originLimitsSchema.optional()
})

/** What an `update` event may change in an agent. */
export const agentPatchSchema = z.strictObject({
  capability: capabilitySchema,
  costUsd: nonNegative,
  latencyMs: latencySchema,
  winRate: winRateSchema,
  region: regionSchema,
  tags: tagsSchema
}).partial()

const reflectorSchema = z.strictObject({
  id: idSchema,
  cluster: clusterId.schema,
  peers: z.array(idSchema).default([])
})

const orgSchema = z.strictObject({
  id: orgIdSchema,
  /**
   * The organization this node is a site of (default: its id). Several nodes may share
   * one org, each on its own `site`.
   */
  org: orgIdSchema.optional(),
  /** The node's site in its org (default: the org id). */
  site: siteId.schema.optional(),
  /** Internal sessions (role `site`, a full mesh) to other nodes of the same org, by node id. */
  sites: z.array(idSchema).default([]),
  reflectors: z.array(idSchema).default([]),
  partners: z.array(idSchema).default([]),
  interests: z.array(capabilitySchema).default([]),
  agents: z.array(agentSchema).default([])
})

const linkSchema = z.strictObject({
  a: idSchema,
  b: idSchema,
  delayMs: nonNegative.optional(),
  loss: z.number().min(0).max(0.99).optional()
})

const atS = nonNegative
const agentRef = { atS, org: orgIdSchema, agent: agentIdSchema }
const pair = { atS, a: idSchema, b: idSchema }
const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('withdraw'), ...agentRef }),
  z.strictObject({ type: z.literal('announce'), ...agentRef }),
  z.strictObject({ type: z.literal('update'), ...agentRef, set: agentPatchSchema }),
  z.strictObject({ type: z.literal('partition'), ...pair }),
  z.strictObject({ type: z.literal('heal'), ...pair }),
  z.strictObject({ type: z.literal('crash'), atS, node: idSchema }),
  z.strictObject({ type: z.literal('restart'), atS, node: idSchema })
])

export const generateSchema = z.strictObject({
  orgs: z.number().int().min(1).max(100_000),
  reflectors: z.number().int().min(1).max(64),
  agentsPerOrg: z.number().int().min(0).max(64),
  capabilities: z.number().int().min(1).max(100_000),
  interestsPerOrg: z.number().int().min(0).max(64)
})

/** A consumer org sending tasks for a capability at a Poisson rate. */
const consumerSchema = z.strictObject({
  org: idSchema,
  capability: capabilitySchema,
  ratePerS: positive,
  messageBytes: z.number().int().nonnegative().max(1_048_576).default(2000),
  fromS: nonNegative.default(0),
  toS: positive.optional(),
  budgets: budgetsSchema.default([])
})

/** Task traffic (docs/congestion.md); a topology without it simulates routing only. */
const tasksSchema = z.strictObject({
  sloMs: positive.optional(),
  timeoutMs: positive.default(30_000),
  /** Tries per task when a path refuses before serving (overload), as the daemon's forwarding.attempts. */
  attempts: z.number().int().min(1).max(8).default(2),
  windows: z.strictObject({
    initialTasks: z.number().int().min(1).max(1024),
    slowStartThreshold: z.number().int().min(1).max(1024),
    decrease: z.number().gt(0).lt(1)
  }).partial().default({}),
  consumers: z.array(consumerSchema).min(1).max(1000)
})

export const topologySchema = z.strictObject({
  seed: z.number().int().nonnegative().max(0xffffffff).default(1),
  durationS: positive.default(600),
  defaults: defaultsSchema.default({}),
  reflectors: z.array(reflectorSchema).default([]),
  orgs: z.array(orgSchema),
  links: z.array(linkSchema).default([]),
  events: z.array(eventSchema).default([]),
  generate: generateSchema.optional(),
  tasks: tasksSchema.optional(),
  /** Shared memory namespaces and their writers (simulations/topology/memory-spec.ts). */
  memory: memorySchema.optional()
})

export type TopologyFile = z.infer<typeof topologySchema>
export type AgentSpec = z.infer<typeof agentSchema>
export type AgentPatch = z.infer<typeof agentPatchSchema>
export type OrgSpec = z.infer<typeof orgSchema>
export type ReflectorSpec = z.infer<typeof reflectorSchema>
export type ScenarioEvent = z.infer<typeof eventSchema>
export type GenerateSpec = z.infer<typeof generateSchema>
export type DampingSpec = z.infer<typeof dampingSchema>
export type TasksSpec = z.infer<typeof tasksSchema>
export type ServiceSpec = z.infer<typeof serviceSchema>
