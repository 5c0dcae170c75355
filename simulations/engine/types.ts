/** What the engine is given: a Speaker factory (the real one by default), a codec, a listener. */
import type { Frame, FrameDecodeError } from '../../agp/index.ts'
import type { EventLoop } from '../../driver/index.ts'
import type { AuditEvent, LocalAgent, Speaker, SpeakerComponents, SpeakerInit, SpeakerSnapshot } from '../../reflector/index.ts'
import type { SimNodeSpec } from '../topology/model.ts'
import type { ScenarioEvent } from '../topology/schema.ts'

export type SimMode = 'timed' | 'fifo'

/** createSpeaker's signature (reflector/speaker.ts). */
export type SpeakerFactory = (init: SpeakerInit, components: SpeakerComponents, snapshot?: SpeakerSnapshot) => Speaker

/** encodeFrame/decodeFrame of agp/codec/frame-codec.ts, for `--wire`. */
export interface FrameCodec {
  encodeFrame (frame: Frame): Uint8Array
  /** Never throws: a bad frame is a result with a typed error. */
  decodeFrame (bytes: Uint8Array): { readonly ok: true, readonly value: Frame } | { readonly ok: false, readonly error: FrameDecodeError }
}

/** Observes a run; the checkers and the report are listeners. Calls are synchronous and in event order. */
export interface SimListener {
  onSend? (node: string, peer: string, frames: readonly Frame[], nowMs: number): void
  /** A frame about to be handed to `node`'s Speaker. */
  onFrame? (node: string, peer: string, frame: Frame, nowMs: number): void
  onLocRibChanged? (node: string, capability: string, nowMs: number): void
  onAudit? (node: string, event: AuditEvent, nowMs: number): void
  onScenario? (event: ScenarioEvent & { readonly index: number }, nowMs: number): void
  /** A node crashed (its Loc-RIB is gone) or (re)started (its whole Loc-RIB is new). */
  onNodeLifecycle? (node: string, up: boolean, nowMs: number): void
  /** Virtual time is about to move from `fromMs` to `toMs` (or the run ends): flush per-instant work. */
  onInstantEnd? (fromMs: number, toMs: number): void
}

export interface NodeRuntime {
  readonly spec: SimNodeSpec
  readonly init: SpeakerInit
  speaker: Speaker | undefined
  /** The daemon's event loop around `speaker` (driver/), over the simulator's ports. */
  loop: EventLoop | undefined
  /** Bumped at crash and restart: events addressed to an older incarnation are dropped. */
  incarnation: number
  /** What the node's store holds while it is down (taken at the crash). */
  snapshot: SpeakerSnapshot | undefined
  /** Current configuration of each local agent (scenario `update` events change it). */
  readonly agents: Map<string, LocalAgent>
  /** Agents a scenario `withdraw` took away (until `announce`). */
  readonly withdrawn: Set<string>
}
