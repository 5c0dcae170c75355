/**
 * Next hop of a task for one path (agp/task/forwarding.ts explains the rule): the
 * neighbor the exported copy of the path was learned from, or this node's own agent;
 * for a task that came from a neighbor, only when that neighbor's Adj-RIB-Out holds
 * the path, i.e. we advertised it to them under export policy.
 */
import { TaskErrorCode, pathKey, type ForwardQuery, type NextHop } from '../agp/index.ts'
import type { SpeakerState } from './speaker-state.ts'

export function forwardTargetView (st: SpeakerState, q: ForwardQuery): NextHop {
  const path = pathKey(q.originOrg, q.agentId)
  if (q.requester !== '') {
    const from = st.neighbors.get(q.requester)
    if (from === undefined || from.session.state !== 'established') {
      return { kind: 'refuse', code: TaskErrorCode.NotGiven, reason: 'not an established neighbor' }
    }
    if (from.adjOut.get(q.capability, path) === undefined) {
      return { kind: 'refuse', code: TaskErrorCode.NotGiven, reason: `route ${q.capability} ${q.originOrg}/${q.agentId} was never advertised to this neighbor` }
    }
  }
  const copy = st.locRib.exported(q.capability, path)
  if (copy === undefined) return { kind: 'refuse', code: TaskErrorCode.NoRoute, reason: `no usable route ${q.capability} ${q.originOrg}/${q.agentId}` }
  if (copy.fromPeer === '') {
    return q.originOrg === st.init.org && st.agents.has(q.agentId)
      ? { kind: 'local', agentId: q.agentId }
      : { kind: 'refuse', code: TaskErrorCode.NoRoute, reason: `no local agent ${q.agentId}` }
  }
  const next = st.neighbors.get(copy.fromPeer)
  if (next === undefined || next.session.state !== 'established') {
    return { kind: 'refuse', code: TaskErrorCode.Unreachable, reason: 'the neighbor the route was learned from is not established' }
  }
  return { kind: 'neighbor', peer: copy.fromPeer }
}
