/**
 * The memory extension atpd loads (daemon/extensions.ts): MemoryService over the
 * 'memory' sublevel, the `/atp/memory/1.0.0` transport to every configured neighbor,
 * the HTTP routes, and Prometheus counters of envelopes by outcome.
 */
import { Counter, Gauge } from 'prom-client'
import type { AtpdExtensionFactory } from '../extension.ts'
import { REFUSE_REASONS } from '../../crdt/index.ts'
import { createNodeHasher } from '../identity/index.ts'
import { MemoryService } from './memory-service.ts'
import { MemoryStore } from './memory-store.ts'
import { memoryRoutes } from './memory-routes.ts'
import { MemoryTransport } from './memory-transport.ts'

const COMPACT_EVERY_MS = 10 * 60 * 1000

export const memoryExtension: AtpdExtensionFactory = async (ctx) => {
  const log = ctx.logger.child({ component: 'memory' })
  const knownPeers = new Map<string, string>(ctx.config.neighbors.map((n) => [n.peer, n.org]))
  knownPeers.set(ctx.identity.peerId, ctx.config.org)
  const service = new MemoryService(
    { signer: ctx.signer, verifier: ctx.verifier, hasher: createNodeHasher(), clock: ctx.clock, random: ctx.random, store: new MemoryStore(ctx.sublevel('memory'), { repair: ctx.repair, log }), log },
    { org: ctx.config.org, role: ctx.config.role, namespaces: ctx.config.memory.namespaces, knownPeers, compactEveryMs: COMPACT_EVERY_MS }
  )
  const neighbors = ctx.config.neighbors.map((n) => ({ peerId: n.peer, org: n.org, role: n.role }))
  const transport = new MemoryTransport(ctx.libp2p, service, ctx.clock, log, { neighbors, selfRole: ctx.config.role })
  service.onEnvelopes((ns, envelopes, from) => { transport.push(ns, envelopes, from) })

  const registry = ctx.metrics.registry
  new Counter({
    name: 'atpd_memory_envelopes_total', help: 'Memory envelopes received, by outcome (applied, duplicate, parked, refused:<reason>)', labelNames: ['outcome'], registers: [registry],
    collect () {
      this.reset()
      for (const r of service.replicas.values()) {
        this.inc({ outcome: 'applied' }, r.counters.applied)
        this.inc({ outcome: 'duplicate' }, r.counters.duplicate)
        this.inc({ outcome: 'parked' }, r.counters.parked)
        for (const reason of REFUSE_REASONS) this.inc({ outcome: `refused:${reason}` }, r.counters.refused[reason])
      }
    }
  })
  new Counter({
    name: 'atpd_memory_sync_dropped_total', help: 'Sync messages dropped undecoded (a bound exceeded: oversize; bad bytes: malformed)', labelNames: ['reason'], registers: [registry],
    collect () {
      this.reset()
      for (const m of transport.machines.values()) for (const [reason, n] of Object.entries(m.dropped)) this.inc({ reason }, n)
    }
  })
  new Gauge({
    name: 'atpd_memory_parked', help: 'Envelopes parked waiting for dependencies', registers: [registry],
    collect () { let n = 0; for (const r of service.replicas.values()) n += r.parkedCount; this.set(n) }
  })

  return {
    name: 'memory',
    routes: [memoryRoutes(service)],
    neighborsChanged (next) {
      // Peers are never dropped here: envelopes already applied from one stay attributable to its org.
      for (const n of next) knownPeers.set(n.peer, n.org)
      transport.setNeighbors(next.map((n) => ({ peerId: n.peer, org: n.org, role: n.role })))
    },
    async start () { await service.start(); await transport.start() },
    async stop () { await transport.stop(); await service.stop() }
  }
}
