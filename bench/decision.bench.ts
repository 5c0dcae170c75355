/**
 * Decision process (agp/decision/): rankLocal and compareGlobal over the paths of one
 * capability (8 and 64 paths), the global score itself, local outcomes
 * (agp/winrate/local-outcomes.ts) and damping events (agp/damping/damping.ts).
 *
 * Path sets mix the cases every step must handle: scores repeat every 8 paths (so the
 * originator-id and path-id tie-breaks run), some paths are unusable, stale or carry
 * another local preference.
 */
import {
  applyDampingEvent, compareGlobal, type DampingEvent, type DampingState, DEFAULT_DAMPING, globalScore,
  type LocalCandidate, LocalOutcomes, pathKey, rankLocal, type Route
} from '../agp/index.ts'
import { fakeSigner } from '../test/helpers/fixtures.ts'
import { measure, sig } from './lib/measure.ts'
import { originateMany } from './lib/routes.ts'

const PATH_COUNTS = [8, 64]
const OUTCOME_KEYS = 10_000
const DAMPED_PATHS = 1_000
const DAMPING_EVENTS: readonly DampingEvent[] = ['withdraw', 'readvertise', 'change', 'refresh']

export default async function (): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {}
  for (const count of PATH_COUNTS) {
    const routes = pathsOfOneCapability(count)
    const cands = routes.map((route, i): LocalCandidate => ({
      route,
      fromPeer: `client-${i % 4}`,
      usable: i % 16 !== 15,
      localPref: i % 8 === 3 ? 200 : 100,
      stale: i % 5 === 4
    }))
    // Shuffled input, as arrival order would give it.
    const shuffled = [...cands].sort((a, b) => (hash(a.route.attrs.agentId) - hash(b.route.attrs.agentId)))
    const rank = measure(() => rankLocal(shuffled), { batch: count === 8 ? 64 : 4 })
    const pairs = routes.length
    const cmp = measure((i) => compareGlobal(routes[i % pairs]!, routes[(i * 7 + 3) % pairs]!), { batch: 256 })
    const shuffledRoutes = shuffled.map((c) => c.route)
    const sortGlobal = measure(() => [...shuffledRoutes].sort(compareGlobal), { batch: count === 8 ? 64 : 4 })
    figures[`paths${count}`] = {
      rankLocalPerS: sig(rank.perS),
      rankLocalUs: sig(1e6 / rank.perS),
      compareGlobalPerS: sig(cmp.perS),
      sortByGlobalPerS: sig(sortGlobal.perS)
    }
  }
  const attrs = pathsOfOneCapability(64).map((r) => r.attrs)
  figures.globalScorePerS = sig(measure((i) => globalScore(attrs[i % 64]!), { batch: 256 }).perS)
  figures.localOutcomes = localOutcomesFigures()
  figures.damping = dampingFigures()
  return figures
}

/** `count` paths of one capability from `count` origins; metrics repeat every 8 paths. */
function pathsOfOneCapability (count: number): Route[] {
  const routes: Route[] = []
  for (let i = 0; i < count; i++) {
    const [r] = originateMany(1, { org: `org-${i}`, signer: fakeSigner(`peer-${hash(String(i))}`), firstIndex: i % 8, capabilityOf: () => 'code-review/python' })
    routes.push(r!)
  }
  return routes
}

function localOutcomesFigures (): Record<string, unknown> {
  const outcomes = new LocalOutcomes({ halfLifeMs: 900_000 })
  const keys = Array.from({ length: OUTCOME_KEYS }, (_, i) => pathKey(`org-${i % 100}`, `agent-${i}`))
  let nowMs = 0
  const record = measure((i) => { outcomes.recordOutcome(keys[i % OUTCOME_KEYS]!, i % 3 !== 0, nowMs += 7) })
  const get = measure((i) => outcomes.get(keys[(i * 13) % OUTCOME_KEYS]!, nowMs))
  // Past maxEntries every record evicts the least recently updated path.
  const bounded = new LocalOutcomes({ halfLifeMs: 900_000, maxEntries: 1000 })
  const evicting = measure((i) => { bounded.recordOutcome(keys[i % OUTCOME_KEYS]!, true, i) })
  return {
    keys: OUTCOME_KEYS,
    recordOutcomePerS: sig(record.perS),
    getPerS: sig(get.perS),
    recordOutcomeEvictingPerS: sig(evicting.perS)
  }
}

function dampingFigures (): Record<string, unknown> {
  const states: (DampingState | undefined)[] = new Array(DAMPED_PATHS)
  let nowMs = 0
  const rate = measure((i) => {
    const k = i % DAMPED_PATHS
    const s = applyDampingEvent(states[k], DAMPING_EVENTS[(i / DAMPED_PATHS | 0) % 4]!, nowMs += 3, DEFAULT_DAMPING)
    states[k] = s
    return s
  }, { batch: 256 })
  return { paths: DAMPED_PATHS, applyDampingEventPerS: sig(rate.perS), suppressedAtEnd: states.filter((s) => s?.suppressed === true).length }
}

/** FNV-1a: a deterministic shuffle key. */
function hash (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}
