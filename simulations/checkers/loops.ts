/**
 * Forwarding-loop checks on one node's Loc-RIB paths: no org path or cluster list
 * repeats an element, and no node holds a learned route whose path contains itself
 * (its org after another org in the org path or its site in its org's site path, its
 * cluster in the cluster list, itself as originator). A node knows its org and site:
 * routes from the org's other sites, over internal sessions or through reflectors,
 * are not loops.
 */
import { originSiteOf, type Route, siteLoop } from '../../agp/index.ts'
import type { SimNodeSpec } from '../topology/model.ts'

export interface Violation {
  readonly atMs: number
  readonly checker: 'loop' | 'damping'
  readonly node: string
  readonly detail: string
}

/** What the checks read of a Loc-RIB path: a RouteView or a Loc-RIB copy. */
export interface LoopCheckedPath {
  readonly route: Route
  /** '' for a local agent. */
  readonly fromPeer: string
}

export function loopProblems (node: SimNodeSpec, view: LoopCheckedPath): string | undefined {
  const r = view.route
  // The path id goes only into a problem's text: not built for the millions of clean paths.
  const dupOrg = firstRepeat(r.orgPath)
  if (dupOrg !== undefined) return `${pathOf(view)}: org path [${r.orgPath.join(' ')}] repeats ${dupOrg}`
  const dupCluster = firstRepeat(r.clusterList)
  if (dupCluster !== undefined) return `${pathOf(view)}: cluster list [${r.clusterList.join(' ')}] repeats ${dupCluster}`
  if (view.fromPeer === '') return undefined
  const org = node.org ?? node.id
  const site = node.site ?? org
  if (r.attrs.originOrg === org && originSiteOf(r.attrs) === site) return `${pathOf(view)}: own agent learned back from ${view.fromPeer}`
  // Inside an org the loop unit is the site: an org's other sites are not a loop.
  if (node.kind === 'org' && siteLoop(r, org, site) !== undefined) {
    return `${pathOf(view)}: path [${r.orgPath.join(' ')}] sites [${r.sitePath.join(' ')}] contains this node (${org}/${site})`
  }
  if (r.originatorId === node.id) return `${pathOf(view)}: originator id is this node (learned from ${view.fromPeer})`
  if (node.cluster !== undefined && r.clusterList.includes(node.cluster)) {
    return `${pathOf(view)}: cluster list [${r.clusterList.join(' ')}] contains own cluster ${node.cluster}`
  }
  return undefined
}

function pathOf (view: LoopCheckedPath): string {
  return `${view.route.attrs.originOrg}/${view.route.attrs.agentId}`
}

function firstRepeat (items: readonly string[]): string | undefined {
  if (items.length < 2) return undefined
  // Short lists (the usual org paths and cluster lists): compare in place, no Set.
  if (items.length <= 8) {
    for (let i = 1; i < items.length; i++) {
      for (let j = 0; j < i; j++) if (items[j] === items[i]) return items[i]
    }
    return undefined
  }
  const seen = new Set<string>()
  for (const x of items) {
    if (seen.has(x)) return x
    seen.add(x)
  }
  return undefined
}
