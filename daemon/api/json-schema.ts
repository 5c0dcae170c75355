/**
 * A zod schema of the API as the JSON Schema fastify takes (draft-07: its ajv validates
 * requests with it, fast-json-stringify compiles response serializers from it, and
 * @fastify/swagger puts it in /openapi.json). The API's bodies are written once, in zod;
 * their TypeScript types (views.ts, the client) and their JSON Schemas both come from
 * that one definition.
 *
 * Two of zod's renderings are rewritten to what the hand-written schemas said before:
 * `nullable()` becomes a type list (`type: ['number', 'null']`, which fast-json-stringify
 * writes directly instead of trying each `anyOf` branch with ajv), and the safe-integer
 * bounds zod adds to every `int()` are dropped (they are not a rule of the API).
 */
import { z } from 'zod'

export type JsonSchema = Record<string, unknown>

/**
 * `io: 'input'` for what a client sends (defaults are optional, ajv fills them in);
 * `'output'` for what the server writes (every non-optional field required).
 */
export function apiJsonSchema (schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonSchema
  return simplify(json) as JsonSchema
}

function simplify (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify)
  if (typeof node !== 'object' || node === null) return node
  const out: JsonSchema = {}
  for (const [k, v] of Object.entries(node)) out[k] = simplify(v)
  if (out.type === 'integer') {
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum
  }
  return nullableAsTypeList(out)
}

/** `{ anyOf: [{ type: T, …rule }, { type: 'null' }], …meta }` → `{ type: [T, 'null'], …rule, …meta }`. */
function nullableAsTypeList (node: JsonSchema): JsonSchema {
  const anyOf = node.anyOf
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return node
  const [a, b] = anyOf as JsonSchema[]
  const isNull = (s: JsonSchema | undefined): boolean => s !== undefined && s.type === 'null' && Object.keys(s).length === 1
  const other = isNull(b) ? a : (isNull(a) ? b : undefined)
  if (other === undefined || typeof other.type !== 'string' || other.type === 'object' || other.type === 'array') return node
  const { anyOf: _anyOf, ...meta } = node
  return { ...other, type: [other.type, 'null'], ...meta }
}
