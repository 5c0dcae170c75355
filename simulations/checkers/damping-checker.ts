/**
 * Damping bounds. Suppression episodes come from the Speakers' 'route-suppressed' /
 * 'route-reused' audit events; the penalty history comes from the Speaker's own
 * damping state (snapshot().damping), read at every flap of a path that has flapped.
 * Checks, per episode:
 * - bound: reuse (or the end of the run) no later than maxSuppressS after the last flap;
 * - timing: reuse at updatedAt + halfLife · log2(penalty / reuse) (RFC 2439), within
 *   one timer tick, from the last state recorded before the reuse.
 */
import type { DampingParams, Frame } from '../../agp/index.ts'
import { type DampingState, decodeDampingState } from '../../agp/index.ts'
import type { AuditEvent, Speaker } from '../../reflector/index.ts'
import type { Violation } from './loops.ts'

const MAX_EPISODES = 10_000
const MAX_SAMPLES_PER_KEY = 512

export interface DampingEpisode {
  readonly node: string
  readonly peer: string
  readonly org: string
  readonly agent: string
  readonly capability: string
  readonly suppressedAtMs: number
  reusedAtMs: number | null
  maxPenalty: number
  /** Expected reuse from the last recorded state (RFC 2439 formula), if one was recorded. */
  expectedReuseAtMs: number | null
}

export interface PenaltySample { readonly atMs: number, readonly state: DampingState }

export interface DampingCheckerOptions {
  readonly params: DampingParams
  /** Tolerance of the timing check: the Speakers' timer granularity. */
  readonly tickMs: number
  readonly speakerOf: (node: string) => Speaker | undefined
  readonly onViolation: (v: Violation) => void
}

export class DampingChecker {
  readonly episodes: DampingEpisode[] = []
  /** key (node|peer|org/agent|capability) → recorded states, for the penalty curves. */
  readonly samples = new Map<string, PenaltySample[]>()
  private readonly open = new Map<string, DampingEpisode>()
  /** Paths that have flapped at a node (a withdrawal was received): sampled on every change. */
  private readonly flapping = new Set<string>()
  private readonly pending = new Set<string>()
  private readonly opts: DampingCheckerOptions

  constructor (opts: DampingCheckerOptions) {
    this.opts = opts
  }

  onFrame (node: string, peer: string, frame: Frame): void {
    if (frame.type !== 'update') return
    for (const w of frame.withdraws) {
      // Damping applies where a path enters the federation: from its origin's own session.
      if (w.originOrg !== peer) continue
      this.flapping.add(`${node}|${peer}|${w.originOrg}/${w.agentId}|${w.capability}`)
      this.pending.add(node)
    }
    if (this.flapping.size === 0) return
    for (const r of frame.announces) {
      if (this.flapping.has(`${node}|${peer}|${r.attrs.originOrg}/${r.attrs.agentId}|${r.attrs.capability}`)) this.pending.add(node)
    }
  }

  onAudit (node: string, e: AuditEvent, nowMs: number): void {
    if (e.kind !== 'route-suppressed' && e.kind !== 'route-reused') return
    const key = `${node}|${e.peer ?? ''}|${e.org ?? ''}/${e.agent ?? ''}|${e.capability ?? ''}`
    this.pending.add(node)
    if (e.kind === 'route-suppressed') {
      if (this.open.has(key) || this.episodes.length >= MAX_EPISODES) return
      this.flapping.add(key)
      const ep: DampingEpisode = {
        node, peer: e.peer ?? '', org: e.org ?? '', agent: e.agent ?? '', capability: e.capability ?? '',
        suppressedAtMs: nowMs, reusedAtMs: null, maxPenalty: 0, expectedReuseAtMs: null
      }
      this.open.set(key, ep)
      this.episodes.push(ep)
      return
    }
    const ep = this.open.get(key)
    if (ep === undefined) return
    this.open.delete(key)
    ep.reusedAtMs = nowMs
    this.checkEpisode(key, ep, nowMs)
  }

  /** Records the damping state of every flapping path at nodes touched in this instant. */
  flush (nowMs: number): void {
    if (this.pending.size === 0) return
    for (const node of this.pending) {
      const speaker = this.opts.speakerOf(node)
      if (speaker === undefined) continue
      for (const d of speaker.snapshot().damping) {
        const key = `${node}|${d.peer}|${d.pathKey}|${d.capability}`
        if (!this.flapping.has(key)) continue
        let state: DampingState
        try { state = decodeDampingState(d.state) } catch { continue }
        const list = this.samples.get(key) ?? []
        const last = list[list.length - 1]
        if (last !== undefined && last.state.updatedAtMs === state.updatedAtMs && last.state.penalty === state.penalty) continue
        if (list.length < MAX_SAMPLES_PER_KEY) list.push({ atMs: nowMs, state })
        this.samples.set(key, list)
        const ep = this.open.get(key)
        if (ep !== undefined) ep.maxPenalty = Math.max(ep.maxPenalty, state.maxPenalty)
      }
    }
    this.pending.clear()
  }

  /** End of run: episodes still open must not have outlived maxSuppressS after their last flap. */
  finish (endMs: number): void {
    for (const [key, ep] of this.open) {
      const last = this.lastState(key, endMs)
      if (last === undefined) continue
      ep.maxPenalty = Math.max(ep.maxPenalty, last.maxPenalty)
      const bound = last.updatedAtMs + this.opts.params.maxSuppressS * 1000 + this.opts.tickMs
      if (endMs > bound) this.violation(ep, endMs, `still suppressed at ${endMs} ms, more than maxSuppressS after its last flap at ${last.updatedAtMs} ms`)
    }
  }

  private checkEpisode (key: string, ep: DampingEpisode, reusedAtMs: number): void {
    // The last state recorded strictly before the reuse (the reuse itself may update it).
    const state = this.lastState(key, reusedAtMs - 1)
    if (state === undefined) return
    ep.maxPenalty = Math.max(ep.maxPenalty, state.maxPenalty)
    const p = this.opts.params
    const expected = expectedReuseAtMs(state, p)
    ep.expectedReuseAtMs = expected
    if (reusedAtMs > state.updatedAtMs + p.maxSuppressS * 1000 + this.opts.tickMs) {
      this.violation(ep, reusedAtMs, `reused at ${reusedAtMs} ms, more than maxSuppressS after its last flap at ${state.updatedAtMs} ms`)
    }
    if (Math.abs(reusedAtMs - expected) > this.opts.tickMs) {
      this.violation(ep, reusedAtMs, `reused at ${reusedAtMs} ms, RFC 2439 gives ${expected} ms (penalty ${state.penalty.toFixed(1)} at ${state.updatedAtMs} ms)`)
    }
  }

  private lastState (key: string, atOrBeforeMs: number): DampingState | undefined {
    const list = this.samples.get(key)
    if (list === undefined) return undefined
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i] as PenaltySample
      if (s.atMs <= atOrBeforeMs) return s.state
    }
    return undefined
  }

  private violation (ep: DampingEpisode, atMs: number, detail: string): void {
    this.opts.onViolation({ atMs, checker: 'damping', node: ep.node, detail: `${ep.org}/${ep.agent} ${ep.capability} from ${ep.peer}: ${detail}` })
  }
}

/** RFC 2439: the decayed penalty reaches `reuse` at updatedAt + halfLife · log2(penalty / reuse), capped by maxSuppressS. */
export function expectedReuseAtMs (state: DampingState, p: DampingParams): number {
  if (state.penalty <= p.reuse) return state.updatedAtMs
  const exact = state.updatedAtMs + p.halfLifeS * 1000 * Math.log2(state.penalty / p.reuse)
  return Math.min(Math.ceil(exact), state.updatedAtMs + p.maxSuppressS * 1000)
}
