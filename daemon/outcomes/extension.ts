/**
 * The atpd extension of outcome sharing between the sites of one org
 * (outcome-sharing.ts): nothing at all unless `outcomeSharing.enabled`.
 */
import { Counter } from 'prom-client'
import type { AtpdExtensionFactory } from '../extension.ts'
import { OutcomeSharing } from './outcome-sharing.ts'

export const outcomeSharingExtension: AtpdExtensionFactory = async (ctx) => {
  const { config, facade } = ctx
  if (!config.outcomeSharing.enabled) return { name: 'outcome-sharing' }
  const sharing = new OutcomeSharing({
    libp2p: ctx.libp2p,
    clock: ctx.clock,
    logger: ctx.logger,
    peers: () => ctx.speaker.peers(),
    record: async (outcome) => await facade.recordOutcome(outcome, { shared: true })
  }, { org: config.org, site: config.site ?? config.org, maxPerS: config.outcomeSharing.maxPerS })
  const unsubscribe = facade.onOwnOutcome?.((outcome) => { sharing.offer(outcome) })
  new Counter({
    name: 'atpd_site_outcomes_total',
    help: 'Outcomes shared with the org\'s other sites (direction out) and taken from them (in), by result',
    labelNames: ['direction', 'result'],
    registers: [ctx.metrics.registry],
    collect () {
      this.reset()
      for (const [key, n] of sharing.counts) {
        const [direction = '', result = ''] = key.split('|')
        this.inc({ direction, result }, n)
      }
    }
  })
  return {
    name: 'outcome-sharing',
    async start () { await sharing.start() },
    async stop () { unsubscribe?.(); await sharing.stop() }
  }
}
