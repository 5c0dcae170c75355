/**
 * Seeded generator of large federations (`generate:` in a topology file): reflectors
 * in a full mesh of non-client ('peer') sessions, each org a client of one or two
 * reflectors, agents on capabilities drawn from a hierarchical vocabulary, and a few
 * interests per org. Same spec and seed → same federation.
 */
import { type Random, seededRandom } from '../../kernel/index.ts'
import type { GenerateSpec, OrgSpec, ReflectorSpec } from './schema.ts'

const DOMAINS = ['code-review', 'summarize', 'translate', 'search', 'classify', 'extract', 'generate', 'plan', 'test', 'analyze']
const SUBJECTS = ['python', 'typescript', 'rust', 'go', 'java', 'legal', 'medical', 'finance', 'news', 'science']
const ASPECTS = ['security', 'style', 'performance', 'accuracy', 'brevity', 'tone', 'bulk', 'realtime', 'audit', 'draft']

/**
 * `count` distinct three-level capabilities (`domain/subject/aspect`), spread so that
 * every domain and subject is used before any repeats; past 1,000 a numeric suffix.
 */
export function capabilityVocabulary (count: number): string[] {
  const out: string[] = []
  const base = DOMAINS.length * SUBJECTS.length * ASPECTS.length
  for (let i = 0; i < count; i++) {
    const d = DOMAINS[i % DOMAINS.length]
    const s = SUBJECTS[Math.floor(i / DOMAINS.length) % SUBJECTS.length]
    const a = ASPECTS[Math.floor(i / (DOMAINS.length * SUBJECTS.length)) % ASPECTS.length]
    const round = Math.floor(i / base)
    out.push(`${d}/${s}/${a}${round > 0 ? `-${round}` : ''}`)
  }
  return out
}

export interface GeneratedFederation {
  readonly reflectors: ReflectorSpec[]
  readonly orgs: OrgSpec[]
}

export function generateFederation (spec: GenerateSpec, seed: number): GeneratedFederation {
  // Mixed with a constant so a file's scenario seed and its generator seed differ.
  const random = seededRandom((seed ^ 0x5eed_9e37) >>> 0)
  const vocabulary = capabilityVocabulary(spec.capabilities)
  const reflectors: ReflectorSpec[] = []
  for (let i = 1; i <= spec.reflectors; i++) {
    // Full mesh: each reflector lists the ones after it (sessions are symmetric).
    const peers: string[] = []
    for (let j = i + 1; j <= spec.reflectors; j++) peers.push(`rr${j}`)
    reflectors.push({ id: `rr${i}`, cluster: `c${i}`, peers })
  }
  const width = String(spec.orgs).length
  const orgs: OrgSpec[] = []
  for (let i = 1; i <= spec.orgs; i++) {
    const id = `g${String(i).padStart(width, '0')}`
    orgs.push({
      id,
      reflectors: pickReflectors(random, spec.reflectors),
      partners: [],
      sites: [],
      interests: pickDistinct(random, vocabulary, spec.interestsPerOrg).sort(),
      agents: Array.from({ length: spec.agentsPerOrg }, (_, k) => randomAgent(random, `a${k + 1}`, pick(random, vocabulary)))
    })
  }
  return { reflectors, orgs }
}

function pickReflectors (random: Random, count: number): string[] {
  const first = Math.floor(random.next() * count)
  const ids = [first]
  if (count > 1 && random.next() < 0.5) ids.push((first + 1 + Math.floor(random.next() * (count - 1))) % count)
  return ids.sort((x, y) => x - y).map((i) => `rr${i + 1}`)
}

function pick<T> (random: Random, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)] as T
}

function pickDistinct<T> (random: Random, items: readonly T[], n: number): T[] {
  if (n >= items.length) return [...items]
  const chosen = new Set<number>()
  while (chosen.size < n) chosen.add(Math.floor(random.next() * items.length))
  return [...chosen].map((i) => items[i] as T)
}

function randomAgent (random: Random, id: string, capability: string): OrgSpec['agents'][number] {
  const trials = 20 + Math.floor(random.next() * 180)
  const p50 = 100 + Math.floor(random.next() * 2900)
  return {
    id,
    capability,
    costUsd: Math.round((0.01 + random.next() * 2) * 100) / 100,
    latencyMs: { p50, p95: p50 * 2 + Math.floor(random.next() * 1000) },
    winRate: { wins: Math.floor(trials * (0.3 + random.next() * 0.65)), trials }
  }
}
