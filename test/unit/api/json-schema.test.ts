import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiJsonSchema } from '../../../daemon/api/json-schema.ts'
import { peerJson, peersResponseSchema } from '../../../daemon/api/route-schemas.ts'
import { resolveQuerySchema } from '../../../daemon/api/schemas.ts'

describe('the API JSON Schemas generated from zod', () => {
  it('write a nullable value as a type list, keeping its rule and description', () => {
    const schema = apiJsonSchema(z.object({ limit: z.number().min(0).nullable().describe('cap') }), 'output')
    expect(schema).toEqual({
      type: 'object',
      properties: { limit: { type: ['number', 'null'], minimum: 0, description: 'cap' } },
      required: ['limit'],
      additionalProperties: false
    })
  })

  it('leave out the safe-integer bounds zod gives every int()', () => {
    expect(apiJsonSchema(z.number().int().min(1), 'output')).toEqual({ type: 'integer', minimum: 1 })
  })

  it('keep a nullable object as anyOf (a type list cannot carry its properties)', () => {
    const schema = apiJsonSchema(z.object({ a: z.number() }).nullable(), 'output')
    expect(schema.anyOf).toBeDefined()
  })

  it('make a query default optional for the client, filled in by ajv', () => {
    const s = resolveQuerySchema as { required: string[], properties: Record<string, { default?: unknown }> }
    expect(s.required).toEqual(['capability'])
    expect(s.properties.limit?.default).toBe(10)
  })

  it('name every field of the peer JSON in the peers answer', () => {
    const items = (peersResponseSchema as { properties: { peers: { items: { properties: object } } } }).properties.peers.items
    expect(Object.keys(items.properties).sort()).toEqual(Object.keys(peerJson.shape).sort())
  })
})
