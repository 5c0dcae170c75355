/**
 * SiteConfig → the Speaker's init options (reflector/types.ts). The config speaks
 * seconds where people type them; the core takes ms where it schedules (maxBackoffMs).
 */
import type { SpeakerInit } from '../../reflector/index.ts'
import type { SiteConfig } from './schema.ts'

export function toSpeakerInit (config: SiteConfig, overrides: Partial<SpeakerInit> = {}): SpeakerInit {
  return {
    org: config.org,
    ...(config.site !== undefined ? { site: config.site } : {}),
    ...(config.sitePreference !== undefined ? { sitePreference: config.sitePreference } : {}),
    role: config.role,
    ...(config.cluster !== undefined ? { cluster: config.cluster } : {}),
    neighbors: config.neighbors.map((n) => ({
      peerId: n.peer,
      org: n.org,
      role: n.role,
      ...(n.maxRoutes !== undefined ? { maxRoutes: n.maxRoutes } : {})
    })),
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
