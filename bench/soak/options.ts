/**
 * Soak options, from flags (`npm run soak -- --minutes 2 --seed 7`) or the environment
 * (SOAK_MINUTES, SOAK_SEED, SOAK_RSS_FACTOR). Flags win over the environment.
 */

export interface SoakOptions {
  /** Length of the churn phase. */
  readonly minutes: number
  /** Seed of the churn (mulberry32): the same seed applies the same operation sequence. */
  readonly seed: number
  /** Fail when a daemon's RSS grows past this factor of its first sample after warm-up. */
  readonly rssGrowthFactor: number
}

export class SoakUsageError extends Error {}

const FLAGS: Readonly<Record<string, keyof SoakOptions>> = {
  '--minutes': 'minutes',
  '--seed': 'seed',
  '--rss-factor': 'rssGrowthFactor'
}

export function parseSoakOptions (argv: readonly string[], env: NodeJS.ProcessEnv): SoakOptions {
  const raw: Record<keyof SoakOptions, string | undefined> = {
    minutes: env.SOAK_MINUTES,
    seed: env.SOAK_SEED,
    rssGrowthFactor: env.SOAK_RSS_FACTOR
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const [name, inline] = arg.split('=', 2) as [string, string | undefined]
    const key = FLAGS[name]
    if (key === undefined) throw new SoakUsageError(`unknown option ${arg} (known: ${Object.keys(FLAGS).join(', ')})`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new SoakUsageError(`${name} needs a value`)
    raw[key] = value
  }
  const minutes = positive('minutes', raw.minutes ?? '5')
  const seed = raw.seed === undefined ? Date.now() % 2 ** 31 : Math.trunc(positive('seed', raw.seed, true))
  const rssGrowthFactor = positive('rss-factor', raw.rssGrowthFactor ?? '2')
  return { minutes, seed, rssGrowthFactor }
}

function positive (name: string, value: string, allowZero = false): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new SoakUsageError(`${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`)
  return n
}
