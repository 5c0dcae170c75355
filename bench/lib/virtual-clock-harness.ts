/**
 * The smallest driver of a Speaker in process, for benches: a virtual clock, the timers
 * the Speaker asked for (fired in deadline order by `advance`), and a transport of
 * unbounded bandwidth: every frame sent is counted and dropped, and a Speaker waiting
 * for a drain is told at once that its queue drained.
 */
import { DEFAULT_DAMPING, DEFAULT_FRESHNESS, EMPTY_POLICY, type Frame } from '../../agp/index.ts'
import { DEFAULT_LIMITS, type AtpSpeaker, type Effect, type SpeakerInit, type SpeakerInput, type SpeakerLimits } from '../../reflector/index.ts'

export class VirtualClockHarness {
  nowMs: number
  /** UPDATE frames the Speaker sent, and the routes they announced. */
  updateFramesOut = 0
  routesOut = 0
  private readonly timers = new Map<string, number>()

  /** `onSend`: sees every frame sent (e.g. to keep what one neighbor was sent). */
  constructor (readonly speaker: AtpSpeaker, startMs = 1_000_000, private readonly onSend?: (peer: string, frame: Frame) => void) {
    this.nowMs = startMs
  }

  input (input: SpeakerInput): void {
    this.apply(this.speaker.handle(input, this.nowMs))
  }

  /** Fires every timer due up to `toMs`, in deadline order, then sets the clock there. */
  advance (toMs: number): void {
    for (;;) {
      let id: string | undefined
      let at = Infinity
      for (const [t, a] of this.timers) if (a < at) { at = a; id = t }
      if (id === undefined || at > toMs) break
      this.timers.delete(id)
      this.nowMs = Math.max(this.nowMs, at)
      this.input({ type: 'timer', id })
    }
    this.nowMs = Math.max(this.nowMs, toMs)
  }

  private apply (effects: readonly Effect[]): void {
    for (const e of effects) {
      if (e.type === 'set-timer') this.timers.set(e.id, e.atMs)
      else if (e.type === 'clear-timer') this.timers.delete(e.id)
      else if (e.type === 'send') {
        for (const f of e.frames) {
          this.onSend?.(e.peer, f)
          if (f.type !== 'update') continue
          this.updateFramesOut++
          this.routesOut += f.announces.length
        }
      } else if (e.type === 'await-drain') this.input({ type: 'transport-drained', peer: e.peer })
    }
  }
}

/** A route reflector whose every neighbor is a client, with the protocol's defaults. */
export function benchReflectorInit (
  clients: readonly { readonly peerId: string, readonly org: string }[],
  options: { readonly mraiMs: number, readonly limits?: Partial<SpeakerLimits> }
): SpeakerInit {
  return {
    org: 'rr',
    role: 'reflector',
    cluster: 'rr-1',
    neighbors: clients.map((c) => ({ peerId: c.peerId, org: c.org, role: 'client' as const })),
    interests: [],
    damping: DEFAULT_DAMPING,
    freshness: DEFAULT_FRESHNESS,
    mraiMs: options.mraiMs,
    holdTimeS: 90,
    restartTimeS: 120,
    maxBackoffMs: 30_000,
    policy: EMPTY_POLICY,
    limits: { ...DEFAULT_LIMITS, ...options.limits }
  }
}
