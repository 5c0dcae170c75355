/**
 * Export: Loc-RIB changes → per-neighbor pending queues → UPDATE frames.
 *
 * After each input the staged Loc-RIB changes are committed (settle); every path whose
 * exportable copy changed is queued for the established neighbors that want its
 * capability (InterestIndex: no scan of all neighbors). A neighbor's queue holds
 * (capability, path) keys and coalesces at flush (a repeated key sends nothing more):
 * at flush time the export decision runs on the CURRENT Loc-RIB, and the Adj-RIB-Out
 * diff says what to send. MRAI (RFC 4271 §9.2.1.1): a neighbor is flushed at most
 * once per mraiMs; mraiMs 0 sends within the same handle() call.
 */
import type { Frame, PathCandidate, Route, RouteRefreshFrame, WithdrawnPath } from '../agp/index.ts'
import { pathKeyOf, ribPath, type RibPath } from '../agp/index.ts'
import { exportedByPlan, exportedRoute, exportPlan, type ExportNeighbor, type ExportPlan, type ExportSelf, type ExportSource } from './export.ts'
import { interestChangeScope, MAX_INTERESTS_PER_NEIGHBOR, sameInterests } from './interests.ts'
import { attachRefreshes, takeRefreshes } from './speaker-batch-refresh.ts'
import { clearTimer, MIN_PENDING_CAP, setTimer, sourceOf, timerIds, type NeighborState, type SpeakerState } from './speaker-state.ts'

/**
 * Commits the Loc-RIB and queues what changed for the neighbors that want it; reads
 * each changed capability's resolve ranking in (SpeakerState.prepareRankings: every
 * one, or only those a resolve asked for before).
 */
export function settle (st: SpeakerState): void {
  if (!st.locRib.hasPending) return
  for (const change of st.locRib.commit()) {
    const key = st.locRib.capabilityKey(change.capability)
    if (key !== undefined) {
      if (st.prepareRankings) st.resolveRanking.prepare(key, st.locRib.rankedPaths(change.capability))
      else st.resolveRanking.update(key, st.locRib.rankedPaths(change.capability))
    }
    if (change.visible) st.effects.push({ type: 'loc-rib-changed', capability: change.capability })
    const paths = change.exportPaths
    if (paths.length === 0) continue
    const wanting = st.interestIndex.wanting(change.capability)
    if (wanting.length === 0) continue
    // One key object per path, built when first queued and shared by every neighbor it is queued for.
    let refs: (RibPath | undefined)[] | undefined
    // Indices of our org's paths: all a non-reflector may send a federation reflector by default (computed once).
    let own: number[] | undefined
    for (const peer of wanting) {
      const n = st.neighbors.get(peer)
      if (n === undefined) continue
      const pending = n.pending
      if (sendsLearned(st, n)) {
        refs ??= new Array<RibPath | undefined>(paths.length)
        for (let i = 0; i < paths.length; i++) pending.push(refs[i] ??= ribPath(change.capability, paths[i] as string))
      } else {
        own ??= ownPaths(st, paths)
        if (own.length < paths.length) n.pendingNoop = true
        if (own.length > 0) refs ??= new Array<RibPath | undefined>(paths.length)
        for (const i of own) pending.push((refs as (RibPath | undefined)[])[i] ??= ribPath(change.capability, paths[i] as string))
      }
      if (pending.length > n.pendingCap) compactPending(st, n)
      st.toFlush.add(peer)
    }
  }
}

function ownPaths (st: SpeakerState, paths: readonly string[]): number[] {
  const out: number[] = []
  for (let i = 0; i < paths.length; i++) if ((paths[i] as string).startsWith(st.ownPathPrefix)) out.push(i)
  return out
}

/**
 * Drops the repeats of a neighbor's pending keys, keeping each key's first position
 * (a repeat never sends anything, see NeighborState.pending): keeps the queue bounded
 * by the keys it names, with room to double before the next compaction.
 */
function compactPending (st: SpeakerState, n: NeighborState): void {
  const pending = n.pending
  const seen = new Set<string>()
  let j = 0
  for (const ref of pending) {
    if (seen.has(ref.key)) continue
    seen.add(ref.key)
    pending[j++] = ref
  }
  pending.length = j
  n.pendingCap = Math.max(MIN_PENDING_CAP, 2 * (st.locRib.size + n.adjOut.size), 2 * j)
}

/**
 * False where no learned path of another org can ever go to the neighbor: a
 * non-reflector without export rules sends a federation reflector only its org's own
 * routes (reflection.ts, exportDefault). Our org's path keys all start with `${org}/`,
 * so the copy behind any other key is another org's and can only ever give "nothing to
 * send" (and never enters the Adj-RIB-Out): settle() records that it was due
 * (pendingNoop) instead of queueing it, for the same flush timing and the same frames.
 */
function sendsLearned (st: SpeakerState, n: NeighborState): boolean {
  const role = n.config.role
  return st.init.role === 'reflector' || (role !== 'reflector' && role !== 'peer') || st.init.policy.export.length > 0
}

/** Flushes the neighbors whose MRAI allows it now; arms the MRAI timer of the others. */
export function flushDue (st: SpeakerState): void {
  const mraiMs = st.init.mraiMs
  for (const peer of st.toFlush) {
    const n = st.neighbors.get(peer)
    if (n === undefined || n.session.state !== 'established' || (n.pending.length === 0 && !n.pendingNoop && n.pendingRefreshes.size === 0)) continue
    // Paced: the next turn goes when the connection drained (onTransportDrained), MRAI or not.
    if (n.awaitingDrain) continue
    if (mraiMs <= 0 || st.nowMs >= n.lastFlushMs + mraiMs) {
      flushNeighbor(st, n)
    } else if (!n.mraiArmed) {
      n.mraiArmed = true
      setTimer(st, timerIds.mrai(peer), n.lastFlushMs + mraiMs)
    }
  }
  st.toFlush.clear()
}

export function onMraiTimer (st: SpeakerState, n: NeighborState): void {
  n.mraiArmed = false
  if (n.session.state === 'established' && !n.awaitingDrain) flushNeighbor(st, n)
}

/**
 * The driver's answer to `await-drain`: the neighbor's connection took what was sent,
 * so the next turn of its queue becomes UPDATEs now. A continuation of the same flush
 * (the changes were due already), so the MRAI does not hold it back.
 */
export function onTransportDrained (st: SpeakerState, peer: string): void {
  const n = st.neighbors.get(peer)
  if (n === undefined || !n.awaitingDrain) return
  n.awaitingDrain = false
  if (n.session.state === 'established') flushNeighbor(st, n)
}

/**
 * Sends the neighbor what changed since the last flush: withdraws before announces.
 * Paced (limits.exportRoutesPerTurn > 0): at most that many queued changes per turn
 * (BGP's Adj-RIB-Out walk); the rest stays queued and an `await-drain` effect asks the
 * driver for `transport-drained` once the connection took this turn.
 */
export function flushNeighbor (st: SpeakerState, n: NeighborState): void {
  const pending = n.pending
  if (pending.length === 0 && !n.pendingNoop) {
    sendRefreshes(st, n)
    sendOwedEndOfRib(st, n)
    return
  }
  const perTurn = st.init.limits.exportRoutesPerTurn
  const end = perTurn > 0 ? Math.min(pending.length, perTurn) : pending.length
  const self = exportSelf(st)
  const to = exportNeighbor(n)
  const withdraws: WithdrawnPath[] = []
  const announces: Route[] = []
  const generation = st.locRib.generation
  for (let i = 0; i < end; i++) {
    const ref = pending[i] as RibPath
    // One Loc-RIB lookup per key and generation, however many neighbors it is queued for.
    if (ref.atGeneration !== generation) {
      const copy = st.locRib.exported(ref.capability, ref.path)
      const source = copy === undefined ? undefined : exportSourceOf(st, copy)
      ref.copy = copy
      ref.source = source
      ref.plan = copy === undefined || source === undefined ? undefined : exportPlan(self, copy.route, source)
      ref.atGeneration = generation
    }
    const c = ref.copy as PathCandidate | undefined
    const plan = ref.plan as ExportPlan | undefined
    const desired = c === undefined
      ? undefined
      : plan !== undefined ? exportedByPlan(self, to, plan) : exportedRoute(self, to, c.route, ref.source as ExportSource)
    n.adjOut.updateInto(ref.capability, ref.path, desired, withdraws, announces)
  }
  const more = end < pending.length
  if (more) {
    pending.copyWithin(0, end)
    pending.length -= end
  } else {
    pending.length = 0
    n.pendingNoop = false
  }
  n.lastFlushMs = st.nowMs
  if (n.mraiArmed) {
    n.mraiArmed = false
    clearTimer(st, timerIds.mrai(n.config.peerId))
  }
  const frames = updateFrames(withdraws, announces, st.init.limits.maxRoutesPerUpdate)
  if (frames.length > 0) {
    st.counters.updatesOut += frames.length
    pushSend(st, n.config.peerId, frames)
  }
  attachRefreshes(st, n, announces)
  sendRefreshes(st, n)
  if (more) {
    n.awaitingDrain = true
    st.effects.push({ type: 'await-drain', peer: n.config.peerId })
  } else {
    sendOwedEndOfRib(st, n)
  }
}

/** The batch refreshes queued for the neighbor, after the routes they refresh. */
function sendRefreshes (st: SpeakerState, n: NeighborState): void {
  const lists = takeRefreshes(n)
  if (lists.length === 0) return
  st.counters.updatesOut += lists.length
  pushSend(st, n.config.peerId, lists.map((refreshes) => ({ type: 'update', announces: [], withdraws: [], refreshes })))
}

function sendOwedEndOfRib (st: SpeakerState, n: NeighborState): void {
  if (!n.endOfRibOwed) return
  n.endOfRibOwed = false
  pushSend(st, n.config.peerId, [{ type: 'end-of-rib' }])
}

/**
 * Packs changes into UPDATE frames of at most `max` announces (and `max` withdraws);
 * within a frame withdraws come first, and the receiver applies them first.
 */
export function updateFrames (withdraws: readonly WithdrawnPath[], announces: readonly Route[], max: number): Frame[] {
  const per = Math.max(1, max)
  const count = Math.max(Math.ceil(withdraws.length / per), Math.ceil(announces.length / per))
  const frames: Frame[] = []
  for (let i = 0; i < count; i++) {
    frames.push({ type: 'update', withdraws: withdraws.slice(i * per, (i + 1) * per), announces: announces.slice(i * per, (i + 1) * per) })
  }
  return frames
}

/**
 * On session established: the whole exportable table, then END_OF_RIB (RFC 4724 §2),
 * which goes once the last turn of the table was sent (at once when unpaced).
 */
export function sendFullTable (st: SpeakerState, n: NeighborState): void {
  n.adjOut.clear()
  n.pending.length = 0
  n.pendingNoop = false
  n.pendingRefreshes.clear()
  n.awaitingDrain = false
  n.endOfRibOwed = true
  queueMatching(st, n)
  flushNeighbor(st, n)
}

/**
 * ROUTE_REFRESH (RFC 2918): with new interests (RFC 5291's idea), send the difference
 * — announce what now matches, withdraw what no longer does; without, resend the table.
 */
export function onRouteRefresh (st: SpeakerState, n: NeighborState, frame: RouteRefreshFrame): void {
  const next = frame.interests?.slice(0, MAX_INTERESTS_PER_NEIGHBOR)
  if (next !== undefined && !sameInterests(n.interests, next)) {
    const scope = interestChangeScope(n.interests, next)
    n.interests = next
    st.interestIndex.set(n.config.peerId, next)
    for (const [capability, path] of n.adjOut.keys()) n.pending.push(ribPath(capability, path))
    for (const prefix of scope === 'all' ? [undefined] : scope) {
      for (const c of st.locRib.exportable(prefix)) queue(n, c)
    }
  } else {
    n.adjOut.clear()
    queueMatching(st, n)
  }
  // Paced: a turn is on its way; the refreshed queue follows it on transport-drained.
  if (!n.awaitingDrain) flushNeighbor(st, n)
}

/**
 * Export policy changed (a soft reset out): every key sent and every key now matching
 * is decided again; the Adj-RIB-Out diff sends only announcements that changed and
 * withdraws what the new policy no longer exports.
 */
export function reexport (st: SpeakerState, n: NeighborState): void {
  for (const [capability, path] of n.adjOut.keys()) n.pending.push(ribPath(capability, path))
  queueMatching(st, n)
  if (!n.awaitingDrain) flushNeighbor(st, n)
}

function queueMatching (st: SpeakerState, n: NeighborState): void {
  const prefixes = n.interests.length === 0 ? [undefined] : n.interests
  for (const prefix of prefixes) {
    for (const c of st.locRib.exportable(prefix)) queue(n, c)
  }
}

function queue (n: NeighborState, c: PathCandidate): void {
  n.pending.push(ribPath(c.route.attrs.capability, c.path ?? pathKeyOf(c.route)))
}

/**
 * sourceOf() for a copy export may advertise (always usable), without allocating: the
 * neighbor's (or our agents') prebuilt source.
 */
function exportSourceOf (st: SpeakerState, c: PathCandidate): ExportSource {
  if (c.usable) {
    if (c.fromPeer === '') return st.localSource
    const n = st.neighbors.get(c.fromPeer)
    if (n !== undefined) return n.source
  }
  return sourceOf(st, c)
}

/** Appends frames to the neighbor, joined with a send just before to the same neighbor (fewer, larger writes). */
export function pushSend (st: SpeakerState, peer: string, frames: readonly Frame[]): void {
  const last = st.effects[st.effects.length - 1]
  if (last !== undefined && last.type === 'send' && last.peer === peer) {
    st.effects[st.effects.length - 1] = { type: 'send', peer, frames: [...last.frames, ...frames] }
    return
  }
  st.effects.push({ type: 'send', peer, frames })
}

function exportSelf (st: SpeakerState): ExportSelf {
  return {
    role: st.init.role,
    org: st.init.org,
    site: st.site,
    peerId: st.peerId,
    ...(st.init.cluster === undefined ? {} : { cluster: st.init.cluster }),
    policy: st.init.policy
  }
}

function exportNeighbor (n: NeighborState): ExportNeighbor {
  return { peerId: n.config.peerId, org: n.config.org, site: n.site ?? n.config.org, role: n.config.role, interests: n.interests }
}
