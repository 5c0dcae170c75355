/**
 * `atp sim --emulate`: the topology as real atpd processes over libp2p on 127.0.0.1,
 * then their routing tables in the report's `final` shape.
 *
 *   configs + identities + ports (site-configs.ts) → start every bin/atpd.js (A's
 *   launcher, as `atp federation up`) → wait for every API → register agents (PUT) →
 *   wait until every session is established → apply the events (plan.ts) → wait until
 *   every GET /v1/routes stays the same for a window → read the tables → stop all.
 *
 * Every process is stopped on every exit path: success, failure and abort (Ctrl-C).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { AtpError } from '../../kernel/index.ts'
import type { LocalAgent } from '../../reflector/index.ts'
import { startSite, stopAll, waitHealthy, type RunningSite } from '../../daemon/launcher/launcher.ts'
import { signalAtpd } from '../../daemon/launcher/spawn.ts'
import type { FinalTable } from '../report/report.ts'
import type { SimTopology } from '../topology/model.ts'
import type { ScenarioEvent } from '../topology/schema.ts'
import { deleteAgent, getPeers, getRoutes, putAgent } from './daemon-api.ts'
import { EmulationFailedError } from './errors.ts'
import { checkEmulatable, scheduleEvents } from './plan.ts'
import { agentBody, buildSiteConfigs, type EmulatedSite } from './site-configs.ts'
import { tableOf, type PathScores } from './tables.ts'

export interface EmulateOptions {
  /** Configs, data dirs and one log per node (`<node>.log`) go here. */
  readonly stateDir: string
  readonly signal?: AbortSignal
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void
  readonly startTimeoutMs?: number
  readonly sessionTimeoutMs?: number
  /** How long the tables may take to stop changing after the last event. */
  readonly settleTimeoutMs?: number
}

export interface EmulationRun {
  readonly final: FinalTable
  /** Per node: the score key of every path it holds (for tie-aware comparison). */
  readonly scores: ReadonlyMap<string, PathScores>
  readonly wallMs: number
}

const POLL_MS = 250

/** Per node: the agents as the scenario has configured them so far. */
interface NodeState {
  readonly site: EmulatedSite
  running: RunningSite
  down: boolean
  readonly agents: Map<string, LocalAgent>
  readonly withdrawn: Set<string>
  /** Agents changed while the node was down: applied when it is back. */
  readonly touched: Set<string>
}

export async function runEmulation (topology: SimTopology, options: EmulateOptions): Promise<EmulationRun> {
  checkEmulatable(topology)
  const started = Date.now()
  const log = options.log ?? (() => {})
  const signal = options.signal ?? new AbortController().signal
  const sites = await buildSiteConfigs(topology, options.stateDir)
  const nodes = new Map<string, NodeState>()
  const all = (): RunningSite[] => [...nodes.values()].map((n) => n.running)
  log(`emulate: starting ${sites.length} atpd processes (configs and logs in ${options.stateDir})`)
  try {
    for (const site of sites) {
      nodes.set(site.node.id, {
        site, running: startSite(site.rendered, site.configPath, options.stateDir), down: false,
        agents: new Map(site.node.agents.map((a) => [a.id, a])), withdrawn: new Set(), touched: new Set()
      })
    }
    await healthy(all(), options.startTimeoutMs ?? 120_000, signal)
    for (const n of nodes.values()) for (const a of n.site.node.agents) await putAgent(n.site.apiUrl, a.id, agentBody(n.site.node.id, a))
    await waitSessions(nodes, options.sessionTimeoutMs ?? 60_000, signal, options.stateDir)
    log(`emulate: all sessions established after ${((Date.now() - started) / 1000).toFixed(1)} s`)

    const schedule = scheduleEvents(topology)
    if (schedule.length > 0) log(`emulate: applying ${schedule.length} events over ${((schedule.at(-1)?.atMs ?? 0) / 1000).toFixed(1)} s`)
    const t0 = Date.now()
    for (const { atMs, event } of schedule) {
      const wait = t0 + atMs - Date.now()
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {})
      checkAlive(nodes, signal)
      await applyEvent(nodes, event, options)
    }
    if (topology.events.some((e) => e.type === 'restart')) await waitSessions(nodes, options.sessionTimeoutMs ?? 60_000, signal, options.stateDir)
    const stableMs = Math.max(2000, 4 * topology.params.mraiMs + 1000)
    const tables = await waitStable(nodes, stableMs, options.settleTimeoutMs ?? 60_000, signal)
    log(`emulate: routing tables stable for ${stableMs} ms`)
    const final: FinalTable = {}
    const scores = new Map<string, PathScores>()
    for (const id of [...nodes.keys()].sort()) {
      const t = tables.get(id)
      final[id] = t?.table ?? {}
      scores.set(id, t?.scores ?? new Map())
    }
    return { final, scores, wallMs: Date.now() - started }
  } catch (err) {
    if (err instanceof AtpError) throw err
    // An API call that failed (e.g. a 500 from a daemon): name where to look.
    throw new EmulationFailedError(`${(err as Error).message}; see the daemon logs (<node>.log) in ${options.stateDir}`, { cause: err })
  } finally {
    await stopAll(all())
  }
}

async function healthy (sites: readonly RunningSite[], timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const aborted = new Promise<never>((_resolve, reject) => {
    const fail = (): void => { reject(new EmulationFailedError('emulation interrupted; every atpd was stopped')) }
    if (signal?.aborted === true) fail()
    signal?.addEventListener('abort', fail, { once: true })
  })
  aborted.catch(() => {}) // only observed through the race below
  try {
    await Promise.race([waitHealthy(sites, timeoutMs), aborted])
  } catch (err) {
    if (err instanceof EmulationFailedError) throw err
    throw new EmulationFailedError(`a daemon did not start: ${(err as Error).message}`, { cause: err })
  }
}

/** A process that exited without a `crash` event ends the emulation (with its log). */
function checkAlive (nodes: ReadonlyMap<string, NodeState>, signal: AbortSignal): void {
  if (signal.aborted) throw new EmulationFailedError('emulation interrupted; every atpd was stopped')
  for (const [id, n] of nodes) {
    if (!n.down && n.running.exited) {
      throw new EmulationFailedError(`atpd of ${id} exited unexpectedly (code ${n.running.child.exitCode ?? 'signal'}); see ${n.running.log}`)
    }
  }
}

async function poll<T> (what: () => string, timeoutMs: number, signal: AbortSignal, nodes: ReadonlyMap<string, NodeState>, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    checkAlive(nodes, signal)
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new EmulationFailedError(`${what()} (after ${timeoutMs / 1000} s)`)
    await sleep(POLL_MS, undefined, { signal }).catch(() => {})
  }
}

/** Every session between two running nodes is established, at both ends. */
async function waitSessions (nodes: ReadonlyMap<string, NodeState>, timeoutMs: number, signal: AbortSignal, stateDir: string): Promise<void> {
  let pending: string[] = []
  await poll(() => `sessions did not come up: ${pending.slice(0, 10).join(', ')}; see the daemon logs (<node>.log) in ${stateDir}`,
    timeoutMs, signal, nodes, async () => {
      pending = []
      for (const [id, n] of nodes) {
        if (n.down) continue
        const peers = await getPeers(n.site.apiUrl)
        for (const nb of n.site.node.neighbors) {
          if (nodes.get(nb.peerId)?.down === true) continue
          const state = peers.find((p) => p.org === nb.org)?.state ?? 'absent'
          if (state !== 'established') pending.push(`${id} → ${nb.peerId} ${state}`)
        }
      }
      return pending.length === 0 ? true : undefined
    })
}

type Table = ReturnType<typeof tableOf>

/** Polls every running node's routes until none changed for `stableMs`. */
async function waitStable (nodes: ReadonlyMap<string, NodeState>, stableMs: number, timeoutMs: number, signal: AbortSignal): Promise<Map<string, Table>> {
  let last = ''
  let since = Date.now()
  let lastTables = new Map<string, Table>()
  return await poll(() => 'routing tables kept changing', timeoutMs, signal, nodes, async () => {
    const tables = new Map<string, Table>()
    for (const [id, n] of nodes) if (!n.down) tables.set(id, tableOf(await getRoutes(n.site.apiUrl)))
    const key = JSON.stringify([...tables].map(([id, t]) => [id, t.table]))
    if (key !== last) {
      last = key
      since = Date.now()
      lastTables = tables
      return undefined
    }
    return Date.now() - since >= stableMs ? lastTables : undefined
  })
}

async function applyEvent (nodes: ReadonlyMap<string, NodeState>, e: ScenarioEvent, options: EmulateOptions): Promise<void> {
  if (e.type === 'crash' || e.type === 'restart') {
    const n = nodes.get(e.node)
    if (n === undefined) return
    if (e.type === 'crash' && !n.down) {
      n.down = true
      signalAtpd(n.running.child, 'SIGKILL')
      await poll(() => `atpd of ${e.node} did not die on SIGKILL`, 10_000, options.signal ?? new AbortController().signal, new Map(), async () => n.running.exited ? true : undefined)
    } else if (e.type === 'restart' && n.down) {
      n.running = startSite(n.site.rendered, n.site.configPath, options.stateDir)
      await healthy([n.running], options.startTimeoutMs ?? 120_000, options.signal)
      n.down = false
      for (const id of n.touched) await syncAgent(n, id)
      n.touched.clear()
    }
    return
  }
  if (e.type !== 'withdraw' && e.type !== 'announce' && e.type !== 'update') return // refused in plan.ts
  const n = nodes.get(e.org)
  const agent = n?.agents.get(e.agent)
  if (n === undefined || agent === undefined) return
  // The simulator's scenario rules (simulations/engine/scenario.ts).
  if (e.type === 'withdraw') {
    if (n.withdrawn.has(e.agent)) return
    n.withdrawn.add(e.agent)
  } else if (e.type === 'announce') {
    n.withdrawn.delete(e.agent)
  } else {
    n.agents.set(e.agent, { ...agent, ...e.set })
    if (n.withdrawn.has(e.agent)) return
  }
  if (n.down) n.touched.add(e.agent)
  else await syncAgent(n, e.agent)
}

/** PUT the agent's current configuration, or DELETE it if the scenario withdrew it. */
async function syncAgent (n: NodeState, id: string): Promise<void> {
  const agent = n.agents.get(id)
  if (agent === undefined) return
  if (n.withdrawn.has(id)) await deleteAgent(n.site.apiUrl, id)
  else await putAgent(n.site.apiUrl, id, agentBody(n.site.node.id, agent))
}
