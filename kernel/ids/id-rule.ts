/**
 * One identifier rule, in the three forms its users need: a predicate (the codecs), a
 * zod schema (config, topology, API handlers) and a JSON Schema (fastify's ajv). All
 * three come from one pattern and one bound, so they cannot disagree.
 */
import { z } from 'zod'

export interface IdRule {
  /** Anchored pattern; the bound below is checked first so no regex runs over a huge string. */
  readonly pattern: RegExp
  readonly maxLength: number
  /** What a user is told when a value breaks the rule, e.g. "not an org name ([a-z0-9-]{1,32})". */
  readonly reason: string
  is (value: unknown): value is string
  readonly schema: z.ZodString
  readonly jsonSchema: JsonStringSchema
}

export interface JsonStringSchema {
  readonly type: 'string'
  readonly maxLength?: number
  readonly pattern?: string
}

export function idRule (pattern: RegExp, maxLength: number, reason: string): IdRule {
  const schema = z.string().max(maxLength, { error: reason, abort: true }).regex(pattern, { error: reason })
  return {
    pattern,
    maxLength,
    reason,
    is: (value: unknown): value is string => typeof value === 'string' && value.length <= maxLength && pattern.test(value),
    schema,
    jsonSchema: jsonSchemaOf(schema)
  }
}

/** A zod string schema as a draft-07 JSON Schema (the dialect fastify's ajv speaks). */
export function jsonSchemaOf (schema: z.ZodString): JsonStringSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>
  return Object.freeze(json) as unknown as JsonStringSchema
}
