/**
 * What two heap snapshots differ by, per kind of object AND what holds it: each node is
 * named with its first retainers (`(native) <- ArrayBuffer.backing_store <- Buffer.buffer
 * <- (array).# <- Map.table <- WireRouteCache.entries`), so bytes per route can be traced
 * to the table or cache that keeps them. heap-summary.ts names kinds only.
 *
 *   node --max-old-space-size=6000 --import tsx bench/heap-retainers.ts before.heapsnapshot after.heapsnapshot ROUTES [--depth N] [--top N]
 *
 * Snapshots from bench/rib-memory.ts --heap-snapshots DIR, or from the reflect bench's
 * reflector (BENCH_HEAP_SNAPSHOT_DIR, bench/reflect/atpd.ts). "First retainer" is the
 * first non-weak edge met in the snapshot's order: for an object held from several
 * places it names one of them, so read a row as "held at least by".
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[]], edge_fields: string[], edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

type Totals = Map<string, { count: number, bytes: number }>

function load (file: string, depth: number): Totals {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const m = snap.snapshot.meta
  const nodeStride = m.node_fields.length
  const edgeStride = m.edge_fields.length
  const typeAt = m.node_fields.indexOf('type')
  const nameAt = m.node_fields.indexOf('name')
  const sizeAt = m.node_fields.indexOf('self_size')
  const edgeCountAt = m.node_fields.indexOf('edge_count')
  const edgeTypeAt = m.edge_fields.indexOf('type')
  const edgeNameAt = m.edge_fields.indexOf('name_or_index')
  const toAt = m.edge_fields.indexOf('to_node')
  const nodeTypes = m.node_types[0]
  const edgeTypes = m.edge_types[0]
  const { nodes, edges, strings } = snap
  const count = nodes.length / nodeStride
  const parent = new Int32Array(count).fill(-1)
  const parentEdge = new Int32Array(count).fill(-1)
  const weak = edgeTypes.indexOf('weak')
  const shortcut = edgeTypes.indexOf('shortcut')
  let e = 0
  for (let i = 0; i < count; i++) {
    const edgeCount = nodes[i * nodeStride + edgeCountAt] as number
    for (let k = 0; k < edgeCount; k++, e += edgeStride) {
      const t = edges[e + edgeTypeAt] as number
      if (t === weak || t === shortcut) continue
      const to = (edges[e + toAt] as number) / nodeStride
      if (parent[to] === -1) {
        parent[to] = i
        parentEdge[to] = e
      }
    }
  }
  const nameOf = (i: number): string => {
    const t = nodeTypes[nodes[i * nodeStride + typeAt] as number] as string
    return t === 'object' || t === 'closure' ? strings[nodes[i * nodeStride + nameAt] as number] as string : `(${t})`
  }
  const edgeName = (at: number): string => {
    const t = edgeTypes[edges[at + edgeTypeAt] as number] as string
    const s = t === 'element' || t === 'hidden' ? `[${t}]` : String(strings[edges[at + edgeNameAt] as number])
    // Indices and internal slot numbers would split one holder into thousands of rows.
    return /^\d+$/.test(s) ? '#' : s
  }
  const totals: Totals = new Map()
  for (let i = 0; i < count; i++) {
    let label = nameOf(i)
    for (let x = i, d = 0; d < depth && parent[x] !== -1; d++) {
      const p = parent[x] as number
      label += ` <- ${nameOf(p)}.${edgeName(parentEdge[x] as number)}`
      x = p
    }
    const t = totals.get(label) ?? { count: 0, bytes: 0 }
    t.count++
    t.bytes += nodes[i * nodeStride + sizeAt] as number
    totals.set(label, t)
  }
  return totals
}

const { values, positionals } = parseArgs({ options: { depth: { type: 'string' }, top: { type: 'string' } }, allowPositionals: true, strict: true })
const [beforeFile, afterFile, per] = positionals
if (beforeFile === undefined || afterFile === undefined || per === undefined) {
  throw new Error('usage: heap-retainers.ts before.heapsnapshot after.heapsnapshot ROUTES [--depth N] [--top N]')
}
const depth = Number(values.depth ?? 3)
const before = load(beforeFile, depth)
const after = load(afterFile, depth)
const routes = Number(per)
const rows: [string, number, number][] = []
for (const [label, a] of after) {
  const b = before.get(label) ?? { count: 0, bytes: 0 }
  rows.push([label, (a.count - b.count) / routes, (a.bytes - b.bytes) / routes])
}
rows.sort((x, y) => y[2] - x[2])
process.stdout.write('bytes/route  objects/route  kind <- first retainers\n')
for (const [label, c, b] of rows.slice(0, Number(values.top ?? 40))) {
  process.stdout.write(`${b.toFixed(0).padStart(11)}  ${c.toFixed(2).padStart(13)}  ${label}\n`)
}
