/**
 * Real A2A agents behind a local federation's static agent entries, so that tasks sent
 * through the demo federation get answers: one echo reviewer (daemon/a2a/echo-agent.ts,
 * built with @a2a-js/sdk) on each loopback endpoint the rendered configs name. An
 * endpoint whose port is already taken is skipped (someone runs an agent there) and
 * reported; endpoints off loopback are never served.
 */
import type { SiteConfig } from '../config/schema.ts'
import { startEchoAgent, type EchoAgent } from '../a2a/echo-agent.ts'

export interface DemoAgentSite {
  readonly site: string
  readonly config: SiteConfig
}

export interface DemoAgent {
  readonly org: string
  readonly agentId: string
  readonly capability: string
  readonly url: string
}

export interface DemoAgents {
  readonly started: readonly DemoAgent[]
  /** Endpoints not served, with why. */
  readonly skipped: readonly { readonly endpoint: string, readonly reason: string }[]
  stop (): Promise<void>
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The loopback port of an http endpoint, or why it is not one to serve. */
export function loopbackPort (endpoint: string): number | string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'not a URL'
  }
  if (url.protocol !== 'http:') return 'not plain http'
  if (!LOOPBACK_HOSTS.has(url.hostname)) return 'not on loopback'
  if (url.port === '') return 'no explicit port'
  if (url.pathname !== '/' && url.pathname !== '') return 'has a path (the echo agent serves at the root)'
  return Number(url.port)
}

export async function startDemoAgents (sites: readonly DemoAgentSite[]): Promise<DemoAgents> {
  const agents: EchoAgent[] = []
  const started: DemoAgent[] = []
  const skipped: { endpoint: string, reason: string }[] = []
  const seen = new Set<string>()
  try {
    for (const { config } of sites) {
      for (const agent of config.agents) {
        // Card agents name an agent someone else runs; only static entries get a stand-in.
        if ('a2a' in agent) continue
        if (seen.has(agent.endpoint)) continue
        seen.add(agent.endpoint)
        const port = loopbackPort(agent.endpoint)
        if (typeof port === 'string') { skipped.push({ endpoint: agent.endpoint, reason: port }); continue }
        try {
          const echo = await startEchoAgent({
            name: `${config.org}-${agent.id}`,
            organization: config.org,
            skills: [{ id: agent.id, tags: [agent.capability] }],
            costUsd: agent.costUsd,
            port
          })
          agents.push(echo)
          started.push({ org: config.org, agentId: agent.id, capability: agent.capability, url: echo.url })
        } catch (err) {
          skipped.push({ endpoint: agent.endpoint, reason: (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'port in use' : (err as Error).message })
        }
      }
    }
  } catch (err) {
    await Promise.allSettled(agents.map(async (a) => { await a.stop() }))
    throw err
  }
  return {
    started,
    skipped,
    async stop () { await Promise.allSettled(agents.map(async (a) => { await a.stop() })) }
  }
}
