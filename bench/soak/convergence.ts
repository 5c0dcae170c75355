/**
 * Has the federation converged to what the churn log says? At every site not frozen:
 * the usable routes of GET /v1/routes are exactly the registered agents (at peers,
 * filtered by interests; own agents always), each path once, with the metrics last
 * PUT at the origin; and every replica of the memory namespace has the same stateHash.
 * The hostile partner's routes are held at its partner site only: anywhere else they
 * are extra routes (a leak into the federation).
 */
import { httpJson, routeKey, type RouteJson } from '../../daemon/launcher/federation-api.ts'
import { HOSTILE_ORG, HOSTILE_TARGET, MEMORY_NS, type SoakSite } from './federation.ts'
import type { ChurnModel, ModelAgent } from './model.ts'

export interface ConvergenceResult {
  readonly ok: boolean
  /** Why not, per site (empty when ok). */
  readonly problems: string[]
}

const SHOWN = 3

export async function checkConvergence (sites: readonly SoakSite[], model: ChurnModel): Promise<ConvergenceResult> {
  const live = sites.filter((s) => !s.frozen && !s.busy)
  const problems: string[] = []
  await Promise.all(live.map(async (s) => {
    const p = await routeProblem(s, model.expectedAt(s))
    if (p !== undefined) problems.push(`${s.name}: ${p}`)
  }))
  const hashes = await Promise.all(live.map(async (s) => [s.name, await memoryHash(s)] as const))
  if (new Set(hashes.map(([, h]) => h)).size > 1) {
    problems.push(`memory ${MEMORY_NS} stateHash differs: ${hashes.map(([n, h]) => `${n}=${h?.slice(0, 8) ?? '?'}`).join(' ')}`)
  }
  return { ok: problems.length === 0, problems: problems.sort() }
}

/** Polls until converged or `deadlineMs` passed; `ms` is how long it took (or the deadline). */
export async function waitConverged (
  sites: readonly SoakSite[], model: ChurnModel, deadlineMs: number, intervalMs = 200
): Promise<ConvergenceResult & { ms: number }> {
  const start = Date.now()
  for (;;) {
    const r = await checkConvergence(sites, model)
    const ms = Date.now() - start
    if (r.ok || ms >= deadlineMs) return { ...r, ms }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

async function routeProblem (site: SoakSite, expected: ReadonlyMap<string, ModelAgent>): Promise<string | undefined> {
  let routes: RouteJson[]
  try {
    const res = await httpJson<{ routes: RouteJson[] }>(site.proc.apiUrl, '/v1/routes')
    if (res.status !== 200) return `GET /v1/routes → ${res.status}`
    routes = site.name === HOSTILE_TARGET ? res.body.routes.filter((r) => r.org !== HOSTILE_ORG) : res.body.routes
  } catch (err) {
    return `GET /v1/routes failed: ${(err as Error).message}`
  }
  const usable = routes.filter((r) => r.usable === true)
  const actual = new Map<string, RouteJson>()
  const duplicates: string[] = []
  for (const r of usable) {
    const k = routeKey(r)
    if (actual.has(k)) duplicates.push(k)
    actual.set(k, r)
  }
  const missing = [...expected.keys()].filter((k) => !actual.has(k))
  const extra = [...actual.keys()].filter((k) => !expected.has(k))
  const wrongMetrics = [...expected].filter(([k, a]) => {
    const r = actual.get(k)
    return r !== undefined && (r.costUsd !== a.costUsd || r.latencyMs.p50 !== a.latencyMs.p50 || r.latencyMs.p95 !== a.latencyMs.p95)
  }).map(([k]) => k)
  const unusable = routes.filter((r) => r.usable !== true && expected.has(routeKey(r))).map((r) => `${routeKey(r)}(${r.state})`)
  const parts = [
    list('missing', missing), list('extra', extra), list('duplicate', duplicates),
    list('old metrics', wrongMetrics), list('present but unusable', unusable)
  ].filter((p) => p !== undefined)
  return parts.length === 0 ? undefined : parts.join('; ')
}

async function memoryHash (site: SoakSite): Promise<string | undefined> {
  try {
    const res = await httpJson<{ namespaces: Array<{ id: string, stateHash: string }> }>(site.proc.apiUrl, '/v1/memory')
    return res.body.namespaces?.find((n) => n.id === MEMORY_NS)?.stateHash
  } catch {
    return undefined
  }
}

function list (what: string, keys: readonly string[]): string | undefined {
  if (keys.length === 0) return undefined
  return `${what} ${keys.length} (${keys.slice(0, SHOWN).join(', ')}${keys.length > SHOWN ? ', …' : ''})`
}

/**
 * On a converged federation, resolve answers from the same table: the candidates for a
 * capability that holds paths are exactly the expected paths of that capability.
 * Returns a problem, or undefined when it agrees.
 */
export async function checkResolve (site: SoakSite, model: ChurnModel, capability: string): Promise<string | undefined> {
  const want = [...model.expectedAt(site).keys()].filter((k) => k.startsWith(`${capability}|`)).sort()
  if (want.length === 0) return undefined
  try {
    const res = await httpJson<{ capability: string, candidates: RouteJson[] }>(site.proc.apiUrl, `/v1/resolve?capability=${encodeURIComponent(capability)}&limit=1000`)
    if (res.status !== 200) return `${site.name} resolve ${capability} → ${res.status}`
    const got = res.body.candidates.map(routeKey).sort()
    if (res.body.capability !== capability || got.join() !== want.join()) {
      return `${site.name} resolve ${capability}: matched ${res.body.capability}, ${got.length} candidates, expected ${want.length}`
    }
    return undefined
  } catch (err) {
    return `${site.name} resolve ${capability} failed: ${(err as Error).message}`
  }
}
