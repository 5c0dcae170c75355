/** The Speaker factory the daemon runs (overridable in tests). */
import { createSpeaker } from '../agp/speaker/speaker.ts'
import type { Speaker, SpeakerComponents, SpeakerInit, SpeakerSnapshot } from '../agp/speaker/types.ts'

export type SpeakerFactory = (init: SpeakerInit, components: SpeakerComponents, snapshot?: SpeakerSnapshot) => Speaker

export const defaultSpeakerFactory: SpeakerFactory = createSpeaker
