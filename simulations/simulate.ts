/**
 * The simulator with the real engine: createSpeaker (reflector/speaker.ts) and the protobuf
 * frame codec (agp/codec, used when wire mode is on). Entry point of `atp sim`.
 */
import { decodeFrame, encodeFrame } from '../agp/index.ts'
import { createSpeaker } from '../reflector/index.ts'
import type { FrameCodec } from './engine/types.ts'
import { runSimulation, type RunOptions, type SimResult } from './run.ts'
import type { SimTopology } from './topology/model.ts'

export const protobufCodec: FrameCodec = { encodeFrame, decodeFrame }

export function simulate (topology: SimTopology, options: Omit<RunOptions, 'createSpeaker' | 'codec'> = {}): SimResult {
  return runSimulation(topology, { ...options, createSpeaker, codec: protobufCodec })
}
