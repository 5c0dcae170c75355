/**
 * Copies of one path (same origin org and agent id) arrive over several sessions,
 * e.g. through two reflectors. Ranking keeps one copy per path id, chosen here. The
 * first three steps are those of the local ranking (an operator's preference for a
 * session must hold); then the newest advertisement; then the shortest reflection and
 * org path; then the lowest session, which makes the choice independent of arrival
 * order. Between sites of one org, a copy learned outside the org beats one another
 * site passed on (BGP's eBGP over iBGP): a site must keep — and so pass on to its other
 * sites — what it learned itself, or in a full mesh two sites holding each other's
 * copy would both keep it from the third.
 */
import { InvalidArgumentError } from '../../kernel/index.ts'
import { freshBeforeStale, higherLocalPref, usableFirst, type LocalCandidate } from './candidate.ts'
import { compareStrings, higherFirst, lowerFirst, trueFirst, type DecisionStep } from './step.ts'

export const newerOriginSeq: DecisionStep<LocalCandidate> = {
  name: 'newer-origin-seq',
  // A lower sequence number is an older advertisement still held by a lagging session.
  compare: (a, b) => higherFirst(a.route.attrs.originSeq, b.route.attrs.originSeq)
}

export const shorterClusterList: DecisionStep<LocalCandidate> = {
  name: 'shorter-cluster-list',
  rfc: 'RFC 4456 §9 (prefer the shorter CLUSTER_LIST)',
  compare: (a, b) => lowerFirst(a.route.clusterList.length, b.route.clusterList.length)
}

export const shorterOrgPath: DecisionStep<LocalCandidate> = {
  name: 'shorter-org-path',
  rfc: 'RFC 4271 §9.1.2.2 a) (shorter AS_PATH)',
  compare: (a, b) => lowerFirst(a.route.orgPath.length, b.route.orgPath.length)
}

export const externalBeforeInternal: DecisionStep<LocalCandidate> = {
  name: 'external-before-internal',
  rfc: 'RFC 4271 §9.1.2.2 d) (prefer routes learned by eBGP over iBGP)',
  compare: (a, b) => trueFirst(a.internal !== true, b.internal !== true)
}

export const lowerFromPeer: DecisionStep<LocalCandidate> = {
  name: 'lower-from-peer',
  rfc: 'RFC 4271 §9.1.2.2 g) (lowest peer address)',
  compare: (a, b) => compareStrings(a.fromPeer, b.fromPeer)
}

export const COPY_STEPS: readonly DecisionStep<LocalCandidate>[] = Object.freeze([
  usableFirst, higherLocalPref, freshBeforeStale, newerOriginSeq, shorterClusterList, shorterOrgPath, externalBeforeInternal,
  lowerFromPeer
])

/**
 * The copy to keep. Copies come from distinct sessions (one Adj-RIB-In entry per path
 * per session), so lower-from-peer always decides in the end.
 */
export function collapseCopies (copies: readonly LocalCandidate[]): LocalCandidate {
  if (copies.length === 0) throw new InvalidArgumentError('collapseCopies needs at least one copy')
  let best = copies[0] as LocalCandidate
  for (let i = 1; i < copies.length; i++) {
    const c = copies[i] as LocalCandidate
    if (compareCopies(c, best) < 0) best = c
  }
  return best
}

/** compareBy(COPY_STEPS, a, b), the steps inlined (same order): it runs for every received copy. */
export function compareCopies (a: LocalCandidate, b: LocalCandidate): number {
  if (a.usable !== b.usable) return a.usable ? -1 : 1
  const pref = higherFirst(a.localPref, b.localPref)
  if (pref !== 0) return pref
  if (a.stale !== b.stale) return a.stale ? 1 : -1
  return higherFirst(a.route.attrs.originSeq, b.route.attrs.originSeq) ||
    lowerFirst(a.route.clusterList.length, b.route.clusterList.length) ||
    lowerFirst(a.route.orgPath.length, b.route.orgPath.length) ||
    trueFirst(a.internal !== true, b.internal !== true) ||
    compareStrings(a.fromPeer, b.fromPeer)
}
