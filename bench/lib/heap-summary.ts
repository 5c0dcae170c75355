/**
 * A heap snapshot summed by kind of object: V8's constructor name, with plain objects
 * told apart by their property names (`{a,b,c}`) and strings, arrays and code by their
 * snapshot type in parentheses. Two summaries subtract (diffSummary) to show what a
 * workload added. Slow: it builds and parses the whole snapshot.
 */
import { getHeapSnapshot } from 'node:v8'

export type HeapSummary = Map<string, { count: number, bytes: number }>

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[]], edge_fields: string[], edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

export async function heapSummary (): Promise<HeapSummary> {
  const chunks: Buffer[] = []
  for await (const c of getHeapSnapshot()) chunks.push(c as Buffer)
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot
  const meta = snap.snapshot.meta
  const stride = meta.node_fields.length
  const typeAt = meta.node_fields.indexOf('type')
  const nameAt = meta.node_fields.indexOf('name')
  const sizeAt = meta.node_fields.indexOf('self_size')
  const edgeCountAt = meta.node_fields.indexOf('edge_count')
  const edgeStride = meta.edge_fields.length
  const edgeTypeAt = meta.edge_fields.indexOf('type')
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index')
  const nodeTypes = meta.node_types[0]
  const propertyEdge = meta.edge_types[0].indexOf('property')
  const totals: HeapSummary = new Map()
  let edge = 0
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = nodeTypes[snap.nodes[i + typeAt] as number] as string
    const edges = snap.nodes[i + edgeCountAt] as number
    let name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + nameAt] as number] as string : `(${type})`
    if (name === 'Object') {
      const props: string[] = []
      for (let e = 0; e < edges; e++) {
        const at = edge + e * edgeStride
        if (snap.edges[at + edgeTypeAt] === propertyEdge) props.push(snap.strings[snap.edges[at + edgeNameAt] as number] as string)
      }
      name = `{${props.join(',')}}`
    }
    edge += edges * edgeStride
    const t = totals.get(name) ?? { count: 0, bytes: 0 }
    t.count++
    t.bytes += snap.nodes[i + sizeAt] as number
    totals.set(name, t)
  }
  return totals
}

/** What `after` holds beyond `before`, per kind, per `per` (e.g. routes), largest first, the first `top`. */
export function diffSummary (before: HeapSummary, after: HeapSummary, per: number, top = 30): Record<string, { perRoute: number, bytesPerRoute: number }> {
  const rows: [string, number, number][] = []
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, bytes: 0 }
    rows.push([name, (a.count - b.count) / per, (a.bytes - b.bytes) / per])
  }
  rows.sort((x, y) => y[2] - x[2])
  return Object.fromEntries(rows.slice(0, top).map(([name, count, bytes]) => [name, { perRoute: Number(count.toFixed(2)), bytesPerRoute: Math.round(bytes) }]))
}
