/**
 * Runs the hostile partner and the DHT stranger beside the churn, each in its own loop
 * (a round, then a pause), until stopped; their reports join the soak's JSON and their
 * failures its verdict.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Random } from '../../kernel/index.ts'
import { DhtStranger, type DhtStrangerReport } from './dht-stranger.ts'
import { DHT_FEDERATION, HOSTILE_TARGET, REFLECTORS, type SoakFederation } from './federation.ts'
import { HostilePartner, type HostilePartnerReport } from './hostile-partner.ts'

const PAUSE_MS = 3_000

export interface HostileReport {
  readonly partner: HostilePartnerReport
  readonly stranger: DhtStrangerReport
}

export interface Hostility {
  /** Ends both loops after their current round; the reports. */
  stop (): Promise<HostileReport>
}

export async function startHostility (fed: SoakFederation, random: Random): Promise<Hostility> {
  const orgs = fed.sites.filter((s) => s.role === 'peer')
  const partner = await HostilePartner.start(fed.hostileDir, fed.site(HOSTILE_TARGET), orgs, () => random.next())
  const stranger = await DhtStranger.start(DHT_FEDERATION, REFLECTORS.map((n) => fed.site(n)))
  let stopped = false
  const loop = async (round: () => Promise<void>): Promise<void> => {
    while (!stopped) {
      await round()
      if (!stopped) await sleep(PAUSE_MS)
    }
  }
  const loops = Promise.all([loop(async () => { await partner.round() }), loop(async () => { await stranger.round() })])
  return {
    async stop () {
      stopped = true
      await loops
      await Promise.allSettled([partner.stop(), stranger.stop()])
      return { partner: partner.report, stranger: stranger.report }
    }
  }
}

/** What the hostile peers saw that must not happen. */
export function hostileFailures (r: HostileReport): string[] {
  const out: string[] = []
  if (r.partner.sessionsEstablished === 0) out.push('hostile partner: never got a session, so nothing was tested')
  if (r.partner.garbageWithoutNotification > 0) out.push(`hostile partner: ${r.partner.garbageWithoutNotification} garbage frames did not cost the session`)
  const accepted = Object.entries(r.partner.badValueStatuses).filter(([status]) => status.startsWith('2'))
  if (accepted.length > 0) out.push(`hostile partner: bad memory values accepted: ${accepted.map(([s, n]) => `${s}×${n}`).join(', ')} (expected 400)`)
  if (r.stranger.floodsOverBudget > 0) out.push(`DHT stranger: ${r.stranger.floodsOverBudget} PING floods got more answers than ${r.stranger.budget} per ${r.stranger.windowS} s allows`)
  if (r.stranger.pingFloods === 0) out.push('DHT stranger: no PING flood reached a reflector')
  return out
}
