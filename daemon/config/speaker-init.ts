/**
 * SiteConfig → the Speaker's init options (reflector/types.ts). The config speaks
 * seconds where people type them; the core takes ms where it schedules (maxBackoffMs).
 */
import type { NeighborConfig, SpeakerInit } from '../../reflector/index.ts'
import type { NeighborEntry, SiteConfig } from './schema.ts'

export function toSpeakerInit (config: SiteConfig, overrides: Partial<SpeakerInit> = {}): SpeakerInit {
  return {
    org: config.org,
    ...(config.site !== undefined ? { site: config.site } : {}),
    ...(config.sitePreference !== undefined ? { sitePreference: config.sitePreference } : {}),
    role: config.role,
    ...(config.cluster !== undefined ? { cluster: config.cluster } : {}),
    neighbors: config.neighbors.map(toNeighborConfig),
    interests: config.interests,
    damping: config.damping,
    freshness: config.freshness,
    mraiMs: config.mraiMs,
    holdTimeS: config.holdTimeS,
    restartTimeS: config.restartTimeS,
    maxBackoffMs: config.reconnect.maxBackoffS * 1000,
    policy: config.policy,
    limits: config.limits,
    ...overrides
  }
}

/** One configured neighbor as the Speaker sees it (its addresses are the transport's). */
export function toNeighborConfig (n: NeighborEntry): NeighborConfig {
  return {
    peerId: n.peer,
    org: n.org,
    role: n.role,
    ...(n.maxRoutes !== undefined ? { maxRoutes: n.maxRoutes } : {})
  }
}
