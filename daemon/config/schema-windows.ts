/**
 * Congestion windows, origin limits and budgets (docs/congestion.md), as zod schemas
 * shared by the site config and the simulator's topology files, so both read the same
 * keys with the same rules. Outputs are the core's types (agp/window).
 */
import { z } from 'zod'
import type { BudgetSpec, OriginLimits } from '../../agp/index.ts'
import { DEFAULT_WINDOW_PARAMS, type WindowParams } from '../../agp/index.ts'
import { capability, positive, positiveInt } from './schema-common.ts'

export const MAX_BUDGETS = 256
const BUDGET_ID = /^[a-z0-9-]{1,64}$/
const TAG = /^[a-z0-9][a-z0-9:._-]{0,63}$/

const w = DEFAULT_WINDOW_PARAMS
export const windowsSchema = z.strictObject({
  initialTasks: positiveInt.default(w.initialTasks),
  slowStartThreshold: positiveInt.default(w.slowStartThreshold),
  decrease: z.number().gt(0, { error: 'must be in (0, 1)' }).lt(1, { error: 'must be in (0, 1)' }).default(w.decrease),
  sloMs: positive.optional(),
  maxTasks: positiveInt.default(w.maxTasks),
  maxQueue: z.number().int().nonnegative().default(w.maxQueue),
  queueTimeoutMs: z.number().int().nonnegative().default(w.queueTimeoutMs),
  maxPaths: positiveInt.default(w.maxPaths)
}).refine((p) => p.initialTasks <= p.maxTasks, { error: 'initialTasks must not exceed maxTasks', path: ['initialTasks'] })

export const originLimitsSchema = z.strictObject({
  maxInFlight: positiveInt.optional(),
  tokensPerMinute: positive.optional(),
  usdPerMinute: positive.optional()
})

export const budgetSchema = z.strictObject({
  id: z.string().regex(BUDGET_ID, { error: 'not a budget id ([a-z0-9-]{1,64})' }),
  match: z.strictObject({
    capability: capability.optional(),
    agentTags: z.array(z.string().regex(TAG, { error: 'not a tag ([a-z0-9][a-z0-9:._-]{0,63})' })).max(32).optional()
  }).prefault({}),
  usdPerDay: positive.optional(),
  usdPerMinute: positive.optional()
}).refine((b) => b.usdPerDay !== undefined || b.usdPerMinute !== undefined, { error: 'a budget needs usdPerDay or usdPerMinute' })

export const budgetsSchema = z.array(budgetSchema).max(MAX_BUDGETS)
  .refine((bs) => new Set(bs.map((b) => b.id)).size === bs.length, { error: 'duplicate budget id' })

/** Compile-time checks that the outputs are the core's types. */
export function toWindowParams (p: z.output<typeof windowsSchema>): WindowParams { return p }
export function toOriginLimits (l: z.output<typeof originLimitsSchema>): OriginLimits { return l }
export function toBudgetSpec (b: z.output<typeof budgetSchema>): BudgetSpec { return b }
