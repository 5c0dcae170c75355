/**
 * What a node's driver needs from the world, as ports. The daemon plugs in setTimeout /
 * setImmediate, libp2p streams and its level store; the simulator plugs in its seeded
 * event queue, its in-process network and a snapshot taken at a crash. Everything
 * between the ports and `speaker.handle` is the same code in both.
 */
import type { Frame } from '../agp/index.ts'
import type { AuditEvent, SpeakerInput } from '../reflector/index.ts'

/** What setTimer returns; only the same Scheduler's clearTimer looks inside. */
export type TimerHandle = unknown

export interface Scheduler {
  /** Calls `fire` once, not before `atMs` on the driver's clock. */
  setTimer (atMs: number, fire: () => void): TimerHandle
  /** Cancels a timer not yet fired (a scheduler may also let it fire: the driver drops stale fires). */
  clearTimer (handle: TimerHandle): void
  /** Runs one turn of the loop: later, after pending I/O (daemon), or now (simulator). */
  defer (turn: () => void): void
  /** Monotonic ms for the turn budget; a scheduler whose turns cost no time returns a constant. */
  turnClockMs (): number
}

/** The AGP transport: where `send`, `close`, `dial` and `await-drain` effects go. */
export interface Transport {
  send (peer: string, frames: readonly Frame[]): void
  close (peer: string): void
  /** The transport answers later with a transport-up or transport-down input. */
  dial (peer: string): void
  /** The transport answers with transport-drained once the peer's outbound queue is low. */
  awaitDrain (peer: string): void
}

/** Restart state (Adj-RIB-In, damping, sequence numbers, local agents). */
export interface Store {
  /** Called after an input whose handling may have changed what a snapshot holds. */
  markDirty (): void
}

/** Where the events without a port go. All optional. */
export interface DriverSinks {
  audit? (event: AuditEvent): void
  locRibChanged? (capability: string): void
  /** `handle` threw (a core bug). Without this sink the error is counted and dropped. */
  error? (err: unknown, input: SpeakerInput): void
  /** The queue crossed the high (true) or low (false) water mark: pause or resume reads. */
  pressure? (high: boolean): void
}
