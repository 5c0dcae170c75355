/** The system Random port (reconnect jitter and the like; nothing here needs a CSPRNG). */
import type { Random } from '../../kernel/index.ts'

export function systemRandom (): Random {
  return { next: () => Math.random() }
}
