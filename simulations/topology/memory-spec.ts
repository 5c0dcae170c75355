/**
 * The `memory:` section of a topology: shared namespaces (as atpd's `memory.namespaces`)
 * and writers that put entries at a steady rate. Without it a run simulates routing
 * only and its report has no `memory` key.
 *
 *   memory:
 *     namespaces: [{ id: incident-42, members: [acme, globex, initech], writers: [acme, globex] }]
 *     writers: [{ node: acme, namespace: incident-42, ratePerS: 2, keys: 8, fromS: 5, toS: 120 }]
 */
import { z } from 'zod'
import type { NamespaceConfig } from '../../crdt/index.ts'
import { namespaceId, orgId } from '../../kernel/index.ts'

const nonNegative = z.number().finite().nonnegative()

const namespaceSchema = z.strictObject({
  id: namespaceId.schema,
  members: z.array(orgId.schema).min(1),
  writers: z.array(orgId.schema).default([])
})

/** One node writing `keys` keys in turn (`k0`, `k1`…), `ratePerS` puts per second from fromS to toS. */
const writerSchema = z.strictObject({
  /** Node names follow the org id grammar (simulations/topology/schema.ts). */
  node: orgId.schema,
  namespace: namespaceId.schema,
  ratePerS: z.number().finite().positive().max(1000),
  keys: z.number().int().min(1).max(10_000).default(16),
  fromS: nonNegative.default(0),
  toS: z.number().finite().positive().optional()
})

export const memorySchema = z.strictObject({
  namespaces: z.array(namespaceSchema).min(1).max(64),
  writers: z.array(writerSchema).max(1000).default([])
})

export type MemorySpec = z.infer<typeof memorySchema>

export interface SimMemoryWriter {
  readonly node: string
  readonly namespace: string
  readonly intervalMs: number
  readonly keys: number
  readonly fromMs: number
  readonly toMs: number
}

export interface SimMemory {
  readonly namespaces: readonly NamespaceConfig[]
  readonly writers: readonly SimMemoryWriter[]
}

/** The nodes the section may name: id → kind and org. */
export interface NodeEntry { readonly kind: 'org' | 'reflector', readonly org: string }
export type NodeDirectory = ReadonlyMap<string, NodeEntry>

export function validateMemory (spec: MemorySpec, nodes: NodeDirectory, durationS: number): string[] {
  const problems: string[] = []
  const orgs = new Set([...nodes.values()].filter((n) => n.kind === 'org').map((n) => n.org))
  const namespaces = new Map<string, NamespaceConfig>()
  spec.namespaces.forEach((ns, i) => {
    if (namespaces.has(ns.id)) problems.push(`memory.namespaces[${i}].id: duplicate namespace id "${ns.id}"`)
    namespaces.set(ns.id, ns)
    ns.members.forEach((m, j) => { if (!orgs.has(m)) problems.push(`memory.namespaces[${i}].members[${j}]: unknown org "${m}"`) })
    ns.writers.forEach((w, j) => { if (!ns.members.includes(w)) problems.push(`memory.namespaces[${i}].writers[${j}]: "${w}" is not a member of namespace "${ns.id}"`) })
  })
  spec.writers.forEach((w, i) => {
    const where = `memory.writers[${i}]`
    const node = nodes.get(w.node)
    const ns = namespaces.get(w.namespace)
    if (node === undefined || node.kind !== 'org') problems.push(`${where}.node: unknown org node "${w.node}"`)
    if (ns === undefined) problems.push(`${where}.namespace: unknown namespace "${w.namespace}"`)
    if (node !== undefined && ns !== undefined && !ns.writers.includes(node.org)) problems.push(`${where}.node: org "${node.org}" is not a writer of namespace "${w.namespace}"`)
    if (w.toS !== undefined && w.toS <= w.fromS) problems.push(`${where}.toS: must be after fromS`)
    if (w.fromS >= durationS) problems.push(`${where}.fromS: at or after the end of the run (${durationS} s)`)
  })
  return problems
}

export function resolveMemory (spec: MemorySpec, durationS: number): SimMemory {
  return {
    namespaces: spec.namespaces.map((ns) => ({ id: ns.id, members: ns.members, writers: ns.writers })),
    writers: spec.writers.map((w) => ({
      node: w.node,
      namespace: w.namespace,
      intervalMs: 1000 / w.ratePerS,
      keys: w.keys,
      fromMs: Math.round(w.fromS * 1000),
      toMs: Math.round((w.toS ?? durationS) * 1000)
    }))
  }
}
