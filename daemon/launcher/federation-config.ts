/**
 * Compact federation descriptions → site configs (the site config YAML, docs/configuration.md).
 * A spec names sites and their neighbors by site name; rendering fills in peer ids,
 * loopback ports and data dirs, so a test says only what it is about.
 */
import type { PolicyRule } from '../../agp/index.ts'

export type SiteRole = 'peer' | 'reflector'
export type NeighborRoleName = 'reflector' | 'client' | 'peer' | 'partner' | 'site' | 'site-reflector' | 'site-client'

/** A neighbor by site name: its role as seen from us, and whether we get its address. */
export type NeighborSpec = NeighborRoleName | { readonly role: NeighborRoleName, readonly addrs?: boolean }

/** An agent as PUT /v1/agents/:id takes it (id separate); defaults fill the rest. */
export interface AgentBody {
  readonly capability: string
  readonly endpoint?: string
  readonly costUsd?: number
  readonly latencyMs?: { readonly p50: number, readonly p95: number }
  readonly winRate?: { readonly wins: number, readonly trials: number }
  readonly region?: string
  readonly tags?: readonly string[]
}

export interface AgentSpec extends AgentBody {
  readonly id: string
}

export interface SiteSpec {
  readonly role: SiteRole
  readonly org: string
  readonly cluster?: string
  /** Neighbors by site name. */
  readonly neighbors?: Readonly<Record<string, NeighborSpec>>
  readonly agents?: readonly AgentSpec[]
  readonly interests?: readonly string[]
  readonly policy?: { readonly import?: readonly PolicyRule[], readonly export?: readonly PolicyRule[] }
  readonly damping?: Readonly<Record<string, unknown>>
  readonly freshness?: { readonly refreshS?: number, readonly staleS?: number, readonly maxAgeS?: number }
  /** `discovery: { federation, bootstrap }`; bootstrap by site name. */
  readonly discovery?: { readonly federation: string, readonly bootstrap: readonly string[] }
  readonly holdTimeS?: number
  readonly mraiMs?: number
  readonly restartTimeS?: number
  /** Any other top-level config keys, verbatim. */
  readonly extra?: Readonly<Record<string, unknown>>
}

export interface FederationSpec {
  readonly sites: Readonly<Record<string, SiteSpec>>
  /** Defaults for every site (short timers: a test federation converges in seconds). */
  readonly holdTimeS?: number
  readonly mraiMs?: number
  readonly restartTimeS?: number
  readonly maxBackoffS?: number
}

/** What rendering needs to know about every site. */
export interface SiteAddress {
  readonly peerId: string
  readonly p2pPort: number
  readonly apiPort: number
  readonly dataDir: string
}

export const HOST = '127.0.0.1'

export function p2pAddr (a: SiteAddress, withPeer = false): string {
  return `/ip4/${HOST}/tcp/${a.p2pPort}${withPeer ? `/p2p/${a.peerId}` : ''}`
}

export function agentBody (agent: AgentBody): Required<AgentBody> {
  return {
    capability: agent.capability,
    endpoint: agent.endpoint ?? 'http://127.0.0.1:9000',
    costUsd: agent.costUsd ?? 0.2,
    latencyMs: agent.latencyMs ?? { p50: 500, p95: 1000 },
    winRate: agent.winRate ?? { wins: 40, trials: 50 },
    region: agent.region ?? 'eu',
    tags: agent.tags ?? []
  }
}

/** The config object of one site (JSON is YAML, so it is written as JSON). */
export function renderSiteConfig (
  fed: FederationSpec, name: string, addrs: ReadonlyMap<string, SiteAddress>
): Record<string, unknown> {
  const spec = must(fed.sites[name], `site ${name}`)
  const self = must(addrs.get(name), `address of ${name}`)
  const neighbors = Object.entries(spec.neighbors ?? {}).map(([other, n]) => {
    const role = typeof n === 'string' ? n : n.role
    const withAddrs = typeof n === 'string' ? true : n.addrs !== false
    const a = must(addrs.get(other), `neighbor ${other} of ${name}`)
    const org = must(fed.sites[other], `site ${other}`).org
    return { peer: a.peerId, ...(withAddrs ? { addrs: [p2pAddr(a)] } : {}), org, role }
  })
  return {
    org: spec.org,
    role: spec.role,
    dataDir: self.dataDir,
    listen: [p2pAddr(self)],
    api: { listen: `${HOST}:${self.apiPort}` },
    ...(spec.cluster !== undefined ? { cluster: spec.cluster } : {}),
    neighbors,
    ...(spec.interests !== undefined ? { interests: spec.interests } : {}),
    agents: (spec.agents ?? []).map((a) => ({ id: a.id, ...agentBody(a) })),
    ...(spec.policy !== undefined ? { policy: { import: spec.policy.import ?? [], export: spec.policy.export ?? [] } } : {}),
    ...(spec.damping !== undefined ? { damping: spec.damping } : {}),
    ...(spec.freshness !== undefined ? { freshness: spec.freshness } : {}),
    ...(spec.discovery !== undefined
      ? {
          discovery: {
            federation: spec.discovery.federation,
            bootstrap: spec.discovery.bootstrap.map((s) => p2pAddr(must(addrs.get(s), `bootstrap ${s}`), true))
          }
        }
      : {}),
    holdTimeS: spec.holdTimeS ?? fed.holdTimeS ?? 3,
    mraiMs: spec.mraiMs ?? fed.mraiMs ?? 20,
    restartTimeS: spec.restartTimeS ?? fed.restartTimeS ?? 10,
    reconnect: { maxBackoffS: fed.maxBackoffS ?? 2 },
    log: { level: 'warn' },
    ...(spec.extra ?? {})
  }
}

export function must<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`federation fixture: unknown ${what}`)
  return value
}
