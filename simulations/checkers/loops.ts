/**
 * Forwarding-loop checks on one node's Loc-RIB paths: no org path or cluster list
 * repeats an element, and no node holds a learned route whose path contains itself
 * (its org in the org path, its cluster in the cluster list, itself as originator).
 */
import type { RouteView } from '../../agp/speaker/types.ts'
import type { SimNodeSpec } from '../topology/model.ts'

export interface Violation {
  readonly atMs: number
  readonly checker: 'loop' | 'damping'
  readonly node: string
  readonly detail: string
}

export function loopProblems (node: SimNodeSpec, view: RouteView): string | undefined {
  const r = view.route
  const path = `${r.attrs.originOrg}/${r.attrs.agentId}`
  const dupOrg = firstRepeat(r.orgPath)
  if (dupOrg !== undefined) return `${path}: org path [${r.orgPath.join(' ')}] repeats ${dupOrg}`
  const dupCluster = firstRepeat(r.clusterList)
  if (dupCluster !== undefined) return `${path}: cluster list [${r.clusterList.join(' ')}] repeats ${dupCluster}`
  if (view.fromPeer === '') return undefined
  if (r.attrs.originOrg === node.id) return `${path}: own agent learned back from ${view.fromPeer}`
  if (node.kind === 'org' && r.orgPath.includes(node.id)) return `${path}: org path [${r.orgPath.join(' ')}] contains this node`
  if (r.originatorId === node.id) return `${path}: originator id is this node (learned from ${view.fromPeer})`
  if (node.cluster !== undefined && r.clusterList.includes(node.cluster)) {
    return `${path}: cluster list [${r.clusterList.join(' ')}] contains own cluster ${node.cluster}`
  }
  return undefined
}

function firstRepeat (items: readonly string[]): string | undefined {
  if (items.length < 2) return undefined
  const seen = new Set<string>()
  for (const x of items) {
    if (seen.has(x)) return x
    seen.add(x)
  }
  return undefined
}
