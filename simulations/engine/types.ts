/** What the engine is given: a Speaker factory (the real one by default), a codec, a listener. */
import type { Frame } from '../../agp/codec/frame.ts'
import type { FrameDecodeError } from '../../agp/codec/errors.ts'
import type { AuditEvent, Speaker, SpeakerComponents, SpeakerInit, SpeakerSnapshot } from '../../agp/speaker/types.ts'
import type { ScenarioEvent } from '../topology/schema.ts'

export type SimMode = 'timed' | 'fifo'

/** createSpeaker's signature (agp/speaker/speaker.ts). */
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
