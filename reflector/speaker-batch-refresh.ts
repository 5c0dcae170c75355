/**
 * Batch refresh in the Speaker (agp/route/batch-refresh.ts, docs/protocol.md "Batch
 * refresh"): the origin re-asserts each batch it signed with one signature instead of
 * advertising its routes again; every hop moves the freshness stamp of the routes it
 * holds under that batch and passes the refresh on to the neighbors it advertised them
 * to, naming only those routes.
 *
 * Each speaker keeps the latest verified refresh per (origin, batch signature), so a
 * route announced later — a full table to a new neighbor, a path that changed its best
 * copy — goes out with the refresh that keeps it fresh (attachRefreshes).
 */
import {
  type BatchRefresh, isBeyondClockSkew, MAX_REFRESHES_PER_UPDATE, nextFreshnessChangeMs, pathKey, refreshCovers, refreshKey, type Route, signBatchRefresh, stampOf,
  verifyBatchRefresh
} from '../agp/index.ts'
import { sameBytes } from '../kernel/index.ts'
import { admit } from './speaker-admission.ts'
import { memoOf } from './route-memo.ts'
import { audit, type LocalRoute, type NeighborState, type SpeakerState } from './speaker-state.ts'

/**
 * A batch with fewer live routes than this is advertised again instead (re-batched with
 * the others): its refresh would cost every hop a signature check for a few routes.
 */
export const MIN_REFRESH_ROUTES = 8

/**
 * Bytes of refreshes per UPDATE a sender aims at (their agent ids vary in length): well
 * under MAX_FRAME_BYTES whatever the ids.
 */
const REFRESH_FRAME_BUDGET_BYTES = 256 * 1024

/**
 * The origin's refresh of one slice of its agents: each batch with at least
 * MIN_REFRESH_ROUTES live routes in the slice gets one signed refresh, and those
 * agents' routes their new stamp (`restamped`, for the caller to install); the others
 * (single routes, thinned batches) are to be advertised again (`again`).
 */
export function refreshBatches (st: SpeakerState, slice: readonly LocalRoute[]): { again: LocalRoute[], restamped: LocalRoute[] } {
  const groups = new Map<Uint8Array, LocalRoute[]>()
  const again: LocalRoute[] = []
  const restamped: LocalRoute[] = []
  for (const local of slice) {
    // The routes of one origination batch share one signature object.
    if (local.route.batch === undefined) {
      again.push(local)
      continue
    }
    const group = groups.get(local.route.signature)
    if (group === undefined) groups.set(local.route.signature, [local])
    else group.push(local)
  }
  for (const [signature, group] of groups) {
    if (group.length < MIN_REFRESH_ROUTES) {
      again.push(...group)
      continue
    }
    const refresh = signBatchRefresh(st.components.signer, st.init.org, signature, group.map((l) => l.agent.id), st.nowMs)
    st.counters.refreshesOriginated++
    keep(st, refresh)
    for (const local of group) {
      local.route = { ...local.route, refreshedAtMs: st.nowMs }
      restamped.push(local)
    }
    forward(st, refresh, undefined, group.map((l) => ({ path: pathKey(st.init.org, l.agent.id), route: l.route })))
  }
  return { again, restamped }
}

/** The refreshes of one UPDATE from `n`, after its announces. */
export function importRefreshes (st: SpeakerState, n: NeighborState, refreshes: readonly BatchRefresh[]): void {
  for (const refresh of refreshes) importRefresh(st, n, refresh)
}

function importRefresh (st: SpeakerState, n: NeighborState, refresh: BatchRefresh): void {
  st.counters.refreshesIn++
  // Our own batches come back only in a loop; a stamp far in our future would keep the
  // routes fresh for the whole skew after their origin went silent.
  if (refresh.originPeerId === st.peerId || isBeyondClockSkew(refresh.refreshedAtMs, st.nowMs)) {
    st.counters.refreshesIgnored++
    return
  }
  const members: { readonly path: string, readonly route: Route }[] = []
  for (const id of refresh.agentIds) {
    const path = pathKey(refresh.originOrg, id)
    const held = n.adjIn.get(path)
    if (held !== undefined && refreshCovers(refresh, held) && stampOf(held) < refresh.refreshedAtMs) members.push({ path, route: held })
  }
  // Nothing it would move (already as fresh, other bytes, not held): not worth a check.
  if (members.length === 0) {
    st.counters.refreshesIgnored++
    return
  }
  if (!verified(st, refresh)) {
    st.counters.refreshSignatureInvalid++
    audit(st, { kind: 'signature-invalid', peer: n.config.peerId, org: refresh.originOrg, detail: 'bad-refresh-signature' })
    return
  }
  keep(st, refresh)
  for (const { path, route } of members) {
    const next: Route = { ...route, refreshedAtMs: refresh.refreshedAtMs }
    n.adjIn.restamp(path, next)
    // A fresh copy stays fresh: its stamp moves in place (a kept resolve ranking reads it
    // in at its next resolve: the capability's ranking is a new array). Otherwise (stale
    // → fresh, an import policy's copy, suppressed) import policy and the Loc-RIB copy
    // again, as for an advertisement. Either way the freshness timer is re-armed from the
    // new stamp.
    if (!restampFreshCopy(st, n, path, route, next)) admit(st, n, next, memoOf(next), true)
  }
  st.counters.routesRestamped += members.length
  forward(st, refresh, n, members)
}

function restampFreshCopy (st: SpeakerState, n: NeighborState, path: string, held: Route, next: Route): boolean {
  const peer = n.config.peerId
  const copy = st.locRib.getCopy(held.attrs.capability, path, peer)
  if (copy === undefined || copy.route !== held || copy.stale || !copy.usable) return false
  if (!st.locRib.restamp(held.attrs.capability, path, peer, next)) return false
  const stamp = stampOf(next)
  const atMs = nextFreshnessChangeMs(stamp, st.nowMs, st.init.freshness)
  if (atMs !== undefined) st.freshness.add(atMs, peer, path, stamp)
  return true
}

/** A refresh kept or passed on was verified here, or is the very one kept. */
function verified (st: SpeakerState, refresh: BatchRefresh): boolean {
  const kept = st.refreshes.get(refreshKey(refresh.originPeerId, refresh.batchSignature))
  if (kept !== undefined && kept.refreshedAtMs === refresh.refreshedAtMs && sameBytes(kept.signature, refresh.signature)) return true
  st.counters.refreshSignaturesVerified++
  return verifyBatchRefresh(refresh, st.components.verifier)
}

function keep (st: SpeakerState, refresh: BatchRefresh): void {
  const key = refreshKey(refresh.originPeerId, refresh.batchSignature)
  const kept = st.refreshes.get(key)
  if (kept === undefined || kept.refreshedAtMs < refresh.refreshedAtMs) st.refreshes.set(key, refresh)
}

/**
 * Queues the refresh for every other established neighbor that was advertised any of
 * `routes` under the refreshed signature, naming only those routes.
 */
function forward (st: SpeakerState, refresh: BatchRefresh, from: NeighborState | undefined,
  routes: readonly { readonly path: string, readonly route: Route }[]): void {
  for (const m of st.neighbors.values()) {
    if (m === from || m.session.state !== 'established') continue
    let queued = false
    for (const { path, route } of routes) {
      const out = m.adjOut.get(route.attrs.capability, path)
      if (out === undefined || !refreshCovers(refresh, out)) continue
      queueRefresh(m, refresh, out.attrs.originOrg, out.attrs.agentId)
      queued = true
    }
    if (queued) st.toFlush.add(m.config.peerId)
  }
}

function queueRefresh (n: NeighborState, refresh: BatchRefresh, originOrg: string, agentId: string): void {
  const key = refreshKey(refresh.originPeerId, refresh.batchSignature)
  const pending = n.pendingRefreshes.get(key)
  if (pending === undefined) {
    n.pendingRefreshes.set(key, { refresh, originOrg, agentIds: new Set([agentId]) })
    return
  }
  if (pending.refresh.refreshedAtMs < refresh.refreshedAtMs) pending.refresh = refresh
  pending.agentIds.add(agentId)
}

/**
 * Announces on their way to `n`: each whose kept refresh is later than its own stamp
 * gets that refresh queued too, so the neighbor holds it as fresh as we do.
 */
export function attachRefreshes (st: SpeakerState, n: NeighborState, announces: readonly Route[]): void {
  if (st.refreshes.size === 0) return
  let signature: Uint8Array | undefined
  let origin = ''
  let refresh: BatchRefresh | undefined
  for (const route of announces) {
    // The routes of one batch travel together under one signature: one lookup per run.
    if (route.signature !== signature || route.attrs.originPeerId !== origin) {
      signature = route.signature
      origin = route.attrs.originPeerId
      refresh = st.refreshes.get(refreshKey(origin, signature))
    }
    if (refresh !== undefined && refresh.refreshedAtMs > route.attrs.originatedAtMs) {
      queueRefresh(n, refresh, route.attrs.originOrg, route.attrs.agentId)
    }
  }
}

/** The refreshes queued for `n` as UPDATE frames' worth (each a list for one frame); empties the queue. */
export function takeRefreshes (n: NeighborState): BatchRefresh[][] {
  if (n.pendingRefreshes.size === 0) return []
  const frames: BatchRefresh[][] = []
  let frame: BatchRefresh[] = []
  let bytes = 0
  for (const p of n.pendingRefreshes.values()) {
    const agentIds = [...p.agentIds]
    const size = 200 + agentIds.reduce((sum, id) => sum + id.length + 2, 0)
    if (frame.length > 0 && (frame.length >= MAX_REFRESHES_PER_UPDATE || bytes + size > REFRESH_FRAME_BUDGET_BYTES)) {
      frames.push(frame)
      frame = []
      bytes = 0
    }
    frame.push({ ...p.refresh, originOrg: p.originOrg, agentIds })
    bytes += size
  }
  frames.push(frame)
  n.pendingRefreshes.clear()
  return frames
}
