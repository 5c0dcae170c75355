/**
 * The simulator with the real engine: createSpeaker (agp/speaker) and the protobuf
 * frame codec (agp/codec, used when wire mode is on). Entry point of `atp sim`.
 */
import { decodeFrame, encodeFrame } from '../agp/codec/frame-codec.ts'
import { createSpeaker } from '../agp/speaker/speaker.ts'
import type { FrameCodec } from './engine/types.ts'
import { runSimulation, type RunOptions, type SimResult } from './run.ts'
import type { SimTopology } from './topology/model.ts'

export const protobufCodec: FrameCodec = { encodeFrame, decodeFrame }

export function simulate (topology: SimTopology, options: Omit<RunOptions, 'createSpeaker' | 'codec'> = {}): SimResult {
  return runSimulation(topology, { ...options, createSpeaker, codec: protobufCodec })
}
