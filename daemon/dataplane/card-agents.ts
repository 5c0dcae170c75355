/**
 * Local agents known by their A2A card (config `agents[].a2a`): the card is read at
 * start and every `probeS`; its JSON-RPC interface gives the endpoint, its skills the
 * capabilities (explicit `skills` map, else a skill's tags that are capabilities, else
 * its id when it is one). One route per capability: the config id for the first, then
 * `<id>-2`, `<id>-3`… The read doubles as a health probe (agp/task/agent-health.ts):
 * routes are withdrawn while the agent is unreachable and come back when it answers
 * again, with hysteresis so one timeout is not a flap.
 */
import type { AgentCard } from '@a2a-js/sdk'
import { DefaultAgentCardResolver } from '@a2a-js/sdk/client'
import type { Logger } from 'pino'
import { isCapability } from '../../kernel/index.ts'
import { DEFAULT_HEALTH_BAND, type HealthState, INITIAL_HEALTH, probeResult } from '../../agp/index.ts'
import type { LocalAgent } from '../../reflector/index.ts'
import type { DaemonFacade } from '../api/facade.ts'
import { isMeasured, withMetricsTag, type CardAgent } from '../config/schema-agent.ts'

const CARD_PATH = '/.well-known/agent-card.json'
const PROBE_TIMEOUT_MS = 5000

export interface CardAgentsComponents {
  readonly facade: Pick<DaemonFacade, 'putAgent' | 'removeAgent' | 'agents'>
  readonly logger: Logger
  readonly nowMs: () => number
}

interface Watched {
  readonly config: CardAgent
  health: HealthState
  everUp: boolean
  /** Routes currently advertised for it, by agent id. */
  advertised: Map<string, LocalAgent>
  timer?: NodeJS.Timeout
}

export class CardAgents {
  private readonly watched: Watched[]
  private readonly resolver = new DefaultAgentCardResolver()
  private running = false

  constructor (private readonly c: CardAgentsComponents, agents: readonly CardAgent[]) {
    this.watched = agents.map((config) => ({ config, health: INITIAL_HEALTH, everUp: false, advertised: new Map() }))
  }

  start (): void {
    this.running = true
    for (const w of this.watched) void this.probe(w)
  }

  stop (): void {
    this.running = false
    for (const w of this.watched) clearTimeout(w.timer)
  }

  /** Ids of the routes a card agent currently advertises, by the config id they come from. */
  routeIds (configId: string): string[] {
    return [...(this.watched.find((w) => w.config.id === configId)?.advertised.keys() ?? [])]
  }

  private async probe (w: Watched): Promise<void> {
    if (!this.running) return
    const started = this.c.nowMs()
    let card: AgentCard | undefined
    try {
      const res = await fetch(cardUrl(w.config.a2a.card), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
      if (!res.ok) throw new Error(`card answered HTTP ${res.status}`)
      card = this.resolver.normalizeAgentCard(await res.json())
    } catch (err) {
      this.c.logger.debug({ agent: w.config.id, err: String(err) }, 'agent card probe failed')
    }
    const { state, verdict } = probeResult(w.health, card !== undefined, DEFAULT_HEALTH_BAND, w.everUp)
    w.health = state
    try {
      if (card !== undefined && (verdict === 'advertise' || (state.up && verdict === 'keep'))) {
        w.everUp = true
        await this.advertise(w, card, this.c.nowMs() - started, verdict === 'advertise')
      } else if (verdict === 'withdraw') {
        this.c.logger.warn({ agent: w.config.id }, 'agent unreachable: its routes are withdrawn until it answers again')
        for (const id of w.advertised.keys()) await this.c.facade.removeAgent(id)
        w.advertised.clear()
      }
    } catch (err) {
      this.c.logger.error({ agent: w.config.id, err: String(err) }, 'applying an agent card failed')
    }
    if (this.running) w.timer = setTimeout(() => { void this.probe(w) }, w.config.a2a.probeS * 1000)
  }

  /** (Re)advertises what the card says; only changed routes are written. */
  private async advertise (w: Watched, card: AgentCard, probeMs: number, first: boolean): Promise<void> {
    const cfg = w.config
    const capabilities = capabilitiesOf(cfg, card)
    if (capabilities.length === 0) this.c.logger.warn({ agent: cfg.id }, 'the agent card names no skill that maps to a capability')
    const endpoint = cfg.endpoint ?? baseUrl(cfg.a2a.card)
    const next = new Map<string, LocalAgent>()
    capabilities.forEach((capability, i) => {
      const id = i === 0 ? cfg.id : `${cfg.id}-${i + 1}`.slice(0, 64)
      const current = this.c.facade.agents().find((a) => a.id === id)
      // Measured figures, once the origin has re-advertised some, are kept; the probe's
      // round trip is only the first estimate of an agent that declared nothing.
      const latencyMs = cfg.latencyMs ?? current?.latencyMs ?? { p50: Math.round(probeMs), p95: Math.round(probeMs) }
      const winRate = cfg.winRate ?? current?.winRate ?? { wins: 0, trials: 0 }
      next.set(id, { id, capability, endpoint, costUsd: cfg.costUsd, latencyMs, winRate, region: cfg.region, tags: withMetricsTag(cfg.tags, isMeasured(cfg)) })
    })
    for (const id of w.advertised.keys()) if (!next.has(id)) await this.c.facade.removeAgent(id)
    for (const [id, agent] of next) {
      const prev = w.advertised.get(id)
      if (first || prev === undefined || prev.capability !== agent.capability || prev.endpoint !== agent.endpoint) await this.c.facade.putAgent(agent)
    }
    w.advertised = next
  }
}

function cardUrl (url: string): string {
  return url.endsWith(CARD_PATH) ? url : url.replace(/\/+$/, '') + CARD_PATH
}

function baseUrl (url: string): string {
  return url.endsWith(CARD_PATH) ? url.slice(0, -CARD_PATH.length) : url.replace(/\/+$/, '')
}

export function capabilitiesOf (cfg: CardAgent, card: AgentCard): string[] {
  const out = new Set<string>()
  if (cfg.capability !== undefined) out.add(cfg.capability)
  for (const skill of card.skills) {
    if (cfg.a2a.skills !== undefined) {
      const mapped = cfg.a2a.skills[skill.id]
      if (mapped !== undefined) out.add(mapped)
      continue
    }
    const tagged = skill.tags.filter(isCapability)
    if (tagged.length > 0) tagged.forEach((t) => out.add(t))
    else if (isCapability(skill.id)) out.add(skill.id)
  }
  return [...out]
}
