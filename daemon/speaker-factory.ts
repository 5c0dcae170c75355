/** The Speaker factory the daemon runs (overridable in tests). */
import { createSpeaker } from '../reflector/index.ts'
import type { Speaker, SpeakerComponents, SpeakerInit, SpeakerSnapshot } from '../reflector/index.ts'

export type SpeakerFactory = (init: SpeakerInit, components: SpeakerComponents, snapshot?: SpeakerSnapshot) => Speaker

export const defaultSpeakerFactory: SpeakerFactory = createSpeaker
