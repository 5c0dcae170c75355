/**
 * A federation of real atpd processes on 127.0.0.1, from a compact description:
 *
 *   const fed = await startFederation({ sites: {
 *     rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { acme: 'client' } },
 *     acme: { role: 'peer', org: 'acme', neighbors: { rr1: 'reflector' } }
 *   } })
 *   await fed.waitEstablished('acme')
 *   await fed.putAgent('acme', { id: 'rev', capability: 'code-review' })
 *   await fed.waitForRoute('rr1', (r) => r.agent === 'rev')
 *   await fed.stop()
 *
 * Identities are created in temp data dirs (loadOrCreateIdentity) before any config is
 * written, so every config can name its neighbors' peer ids; ports are free loopback
 * ports. Processes are AtpdProcess (daemon/launcher/atpd-process.ts); each site has a
 * directory of its own (its config file is named after the org, and two reflectors
 * may share one org). `stop()` kills everything, also when a start failed half way.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateIdentity } from '../identity/index.ts'
import type { AuditEvent } from '../../reflector/index.ts'
import { AtpdProcess } from './atpd-process.ts'
import {
  agentBody, must, p2pAddr, renderSiteConfig,
  type AgentSpec, type FederationSpec, type SiteAddress
} from './federation-config.ts'
import { ApiError, httpJson, type PeerJson, type ResolveJson, type RouteJson } from './federation-api.ts'
import { freeLoopbackPorts } from './free-ports.ts'
import { waitFor } from './wait-for.ts'

export interface Site extends SiteAddress {
  readonly name: string
  readonly org: string
  readonly apiUrl: string
  readonly configPath: string
  /** This site's p2p multiaddr with /p2p/<peer id>. */
  readonly multiaddr: string
}

export interface WaitOptions {
  readonly timeoutMs?: number
  readonly what?: string
}

export interface Federation {
  readonly root: string
  site (name: string): Site
  /** GET (or another method) on a site's API; throws ApiError on a status ≥ 400. */
  api<T> (site: string, path: string, init?: { method?: string, body?: unknown }): Promise<T>
  putAgent (site: string, agent: AgentSpec): Promise<void>
  deleteAgent (site: string, id: string): Promise<void>
  routes (site: string, capability?: string): Promise<RouteJson[]>
  peers (site: string): Promise<PeerJson[]>
  resolve (site: string, capability: string): Promise<ResolveJson>
  /** Polls the site's GET /v1/routes until a route satisfies the predicate. */
  waitForRoute (site: string, predicate: (r: RouteJson) => boolean, options?: WaitOptions): Promise<RouteJson>
  /** Polls GET /v1/routes until the whole table satisfies the predicate. */
  waitForRoutes (site: string, predicate: (rs: RouteJson[]) => boolean, options?: WaitOptions): Promise<RouteJson[]>
  /** Waits until the site's sessions with these neighbor sites (default: all configured) are established. */
  waitEstablished (site: string, neighbors?: readonly string[], options?: WaitOptions): Promise<PeerJson[]>
  /** The site's audit events so far (the hash-chained log in its data dir). */
  auditEvents (site: string): Promise<AuditEvent[]>
  /** Polls the audit log until an event satisfies the predicate. */
  waitForAudit (site: string, predicate: (e: AuditEvent) => boolean, options?: WaitOptions): Promise<AuditEvent>
  /** SIGKILL: no NOTIFICATION, no flush (a crash). */
  kill (site: string): Promise<void>
  /** SIGTERM: a clean exit (profiles and logs are written), SIGKILL after timeoutMs; resolves with the exit code. */
  stopSite (site: string, options?: { timeoutMs?: number }): Promise<number | null>
  /** Starts the site again with the same config and data dir (after a kill or stop). */
  restart (site: string): Promise<void>
  /**
   * Stops the site cleanly (SIGTERM), merges `patch` into its top-level config keys and
   * starts it again on the same data dir: what an operator does to change policy.
   */
  reconfigure (site: string, patch: Readonly<Record<string, unknown>>): Promise<void>
  /** The site's process output so far (for failure messages). */
  logs (site: string): string
  /** The site's process id while it runs (benches read its CPU time). */
  pid (site: string): number | undefined
  stop (): Promise<void>
}

/** For the beforeAll that starts a federation: above a daemon's start timeout (ATPD_START_TIMEOUT_MS) plus session set-up. */
export const FEDERATION_HOOK_TIMEOUT_MS = 150_000
/** For a test that restarts daemons or waits out damping timers. */
export const LONG_TEST_TIMEOUT_MS = 150_000

/** Every process any federation of this worker started: killed if the worker exits early. */
const live = new Set<AtpdProcess>()
process.once('exit', () => {
  for (const p of live) if (p.running && p.pid !== undefined) { try { process.kill(p.pid, 'SIGKILL') } catch { /* gone */ } }
})

/**
 * Identities (created in <root>/<site>/data), free loopback ports and rendered configs
 * for every site of the spec, as AtpdProcess objects not yet started. Shared by the
 * integration fixture and the soak (bench/soak/).
 */
export async function createSiteProcesses (spec: FederationSpec, root: string): Promise<Map<string, { readonly address: SiteAddress, readonly proc: AtpdProcess }>> {
  const names = Object.keys(spec.sites)
  const ports = await freeLoopbackPorts(names.length * 2)
  const addrs = new Map<string, SiteAddress>()
  for (const [i, name] of names.entries()) {
    const dataDir = join(root, name, 'data')
    const { peerId } = await loadOrCreateIdentity(dataDir)
    addrs.set(name, { peerId, dataDir, p2pPort: must(ports[2 * i], 'port'), apiPort: must(ports[2 * i + 1], 'port') })
  }
  const out = new Map<string, { readonly address: SiteAddress, readonly proc: AtpdProcess }>()
  for (const name of names) {
    const address = must(addrs.get(name), name)
    const org = must(spec.sites[name], name).org
    out.set(name, { address, proc: new AtpdProcess(org, address.dataDir, address.peerId, address.p2pPort, address.apiPort, renderSiteConfig(spec, name, addrs)) })
  }
  return out
}

export interface StartOptions {
  /** Extra node flags per site (e.g. --cpu-prof for a bench); none when undefined. */
  readonly nodeArgs?: (site: string) => readonly string[] | undefined
}

export async function startFederation (spec: FederationSpec, options: StartOptions = {}): Promise<Federation> {
  const root = await mkdtemp(join(tmpdir(), 'atp-federation-it-'))
  const procs = new Map<string, AtpdProcess>()
  const sites = new Map<string, Site>()
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([...procs.values()].map(async (p) => { await p.kill(); live.delete(p) }))
    procs.clear()
    await rm(root, { recursive: true, force: true }).catch(() => {})
  }
  try {
    for (const [name, { address: a, proc: p }] of await createSiteProcesses(spec, root)) {
      const org = must(spec.sites[name], name).org
      procs.set(name, p)
      live.add(p)
      sites.set(name, { ...a, name, org, configPath: p.configPath, apiUrl: p.apiUrl, multiaddr: p2pAddr(a, true) })
    }
    // Start in parallel: sessions come up as neighbors appear (reconnect backoff is short).
    // Each start may take up to ATPD_START_TIMEOUT_MS (start's default) on a loaded machine.
    await Promise.all([...procs.entries()].map(async ([name, p]) => {
      const nodeArgs = options.nodeArgs?.(name)
      await p.start(nodeArgs !== undefined ? { nodeArgs } : {})
    }))
  } catch (err) {
    await stopAll()
    throw err
  }
  return makeFederation(root, sites, procs, stopAll)
}

function makeFederation (
  root: string, sites: Map<string, Site>, procs: Map<string, AtpdProcess>, stopAll: () => Promise<void>
): Federation {
  const site = (name: string): Site => must(sites.get(name), `site ${name}`)
  const siteName = (peerId: string): string | undefined => [...sites.values()].find((s) => s.peerId === peerId)?.name
  const proc = (name: string): AtpdProcess => must(procs.get(name), `process of ${name}`)
  const api = async <T>(name: string, path: string, init: { method?: string, body?: unknown } = {}): Promise<T> => {
    const res = await httpJson<T>(site(name).apiUrl, path, init)
    if (res.status >= 500) {
      // "see the daemon log": show it, so a CI failure explains itself.
      throw new ApiError(res.status, res.body, `${init.method ?? 'GET'} ${name}${path}\n--- ${name} log tail ---\n${proc(name).logs.slice(-3000)}\n---`)
    }
    if (res.status >= 400) throw new ApiError(res.status, res.body, `${init.method ?? 'GET'} ${name}${path}`)
    return res.body
  }
  const routes = async (name: string, capability?: string): Promise<RouteJson[]> =>
    (await api<{ routes: RouteJson[] }>(name, `/v1/routes${capability === undefined ? '' : `?capability=${encodeURIComponent(capability)}`}`)).routes
  const peers = async (name: string): Promise<PeerJson[]> => (await api<{ peers: PeerJson[] }>(name, '/v1/peers')).peers
  const auditEvents = async (name: string): Promise<AuditEvent[]> => {
    const text = await readFile(join(site(name).dataDir, 'audit.log'), 'utf8').catch(() => '')
    return text.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
      try { return [(JSON.parse(l) as { event: AuditEvent }).event] } catch { return [] }
    })
  }
  /** Polls GET /v1/routes; on timeout the error shows the last table seen, for CI logs. */
  const waitForTable = async (name: string, predicate: (rs: RouteJson[]) => boolean, timeoutMs = 20_000, what = 'routes'): Promise<RouteJson[]> => {
    let last: RouteJson[] | undefined
    try {
      return await waitFor(async () => {
        last = await routes(name)
        return predicate(last) ? last : undefined
      }, { timeoutMs, what: `${what} at ${name}` })
    } catch (err) {
      const table = last?.map((r) => `${r.capability} ${r.org}/${r.agent} ${r.state} path=${r.path.join(',')} clusters=${r.clusterList.join(',')} from=${r.fromPeer ?? '?'}`)
      throw new Error(`${(err as Error).message}\nlast routes at ${name}:\n  ${(table ?? ['(none read)']).join('\n  ')}`)
    }
  }

  return {
    root,
    site,
    api,
    routes,
    peers,
    async putAgent (name, agent) {
      await api(name, `/v1/agents/${agent.id}`, { method: 'PUT', body: agentBody(agent) })
    },
    async deleteAgent (name, id) {
      await api(name, `/v1/agents/${id}`, { method: 'DELETE' })
    },
    async resolve (name, capability) {
      return await api<ResolveJson>(name, `/v1/resolve?capability=${encodeURIComponent(capability)}`)
    },
    async waitForRoute (name, predicate, options = {}) {
      const rs = await waitForTable(name, (t) => t.some(predicate), options.timeoutMs, options.what ?? 'a route')
      return must(rs.find(predicate), 'route')
    },
    async waitForRoutes (name, predicate, options = {}) {
      return await waitForTable(name, predicate, options.timeoutMs, options.what ?? 'routes')
    },
    async waitEstablished (name, neighbors, options = {}) {
      const want = neighbors?.map((n) => site(n).peerId)
      let seen: PeerJson[] = []
      try {
        return await waitFor(async () => {
          const ps = await peers(name)
          seen = ps
          const relevant = want === undefined ? ps : ps.filter((p) => want.includes(p.peerId))
          if (want !== undefined && relevant.length !== want.length) return undefined
          return relevant.every((p) => p.state === 'established') ? ps : undefined
        }, { timeoutMs: options.timeoutMs ?? 30_000, what: options.what ?? `sessions of ${name} established` })
      } catch (err) {
        // A session that never came up is explained by its state, its last error and the
        // daemon's warnings (dial and discovery failures): show them, so a CI failure
        // explains itself.
        const states = seen.map((p) => `${siteName(p.peerId) ?? p.peerId}: ${p.state}${p.lastError !== undefined ? ` (${p.lastError})` : ''}`)
        throw new Error(`${String((err as Error).message)}\n--- ${name} sessions ---\n${states.join('\n')}\n--- ${name} log tail ---\n${proc(name).logs.slice(-3000)}\n---`)
      }
    },
    auditEvents,
    async waitForAudit (name, predicate, options = {}) {
      return await waitFor(async () => (await auditEvents(name)).find(predicate), {
        timeoutMs: options.timeoutMs ?? 20_000, what: `${options.what ?? 'an audit event'} at ${name}`
      })
    },
    async kill (name) {
      await proc(name).kill()
    },
    async stopSite (name, options = {}) {
      return await proc(name).stop(options)
    },
    async restart (name) {
      await proc(name).start()
    },
    async reconfigure (name, patch) {
      const p = proc(name)
      await p.stop()
      p.config = { ...p.config, ...patch }
      await p.start()
    },
    logs (name) {
      return proc(name).logs
    },
    pid (name) {
      return proc(name).pid
    },
    stop: stopAll
  }
}
