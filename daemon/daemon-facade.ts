/**
 * DaemonFacade (daemon/api/facade.ts) over the running daemon. Reads are synchronous
 * views: JavaScript runs them between two inputs of the event loop, never in the middle
 * of one. Agent writes are made durable in level first, then become Speaker inputs
 * through the loop; outcomes are applied in loop order too.
 */
import { InvalidArgumentError, LimitExceededError } from '../kernel/index.ts'
import { localAgentProblem } from '../agp/index.ts'
import type { SpeakerRole } from '../agp/index.ts'
import type { Clock } from '../kernel/index.ts'
import type {
  LocalAgent, Outcome, OutcomeView, ResolveQuery, ResolveResult, RouteView, Speaker
} from '../reflector/index.ts'
import type { DaemonFacade, DaemonPeerView, HealthView, PutAgentResult, RecordOutcomeOptions } from './api/facade.ts'
import type { CongestionControl } from './congestion/congestion-control.ts'
import type { Metrics } from './metrics/metrics.ts'
import type { EventLoop } from '../driver/index.ts'
import type { NodeStore } from './store/node-store.ts'

export interface FacadeComponents {
  readonly speaker: Speaker
  readonly loop: EventLoop
  readonly store: NodeStore
  readonly clock: Clock
  readonly metrics?: Metrics
  /** Windows and budgets: congested paths rank lower in resolve; routes show their window. */
  readonly congestion?: CongestionControl
}

export interface FacadeInit {
  readonly org: string
  readonly peerId: string
  readonly role: SpeakerRole
  readonly maxAgents: number
  readonly interests: readonly string[]
  /** false while starting or stopping. */
  readonly isReady: () => boolean
  /** Called after an agent change so the write-behind snapshot catches the new seq. */
  readonly onAgentChange?: () => void
  /** Remote addresses of the open connections to a peer (the transport knows them, the Speaker does not). */
  readonly addressesOf?: (peerId: string) => readonly string[]
}

export function createDaemonFacade (c: FacadeComponents, init: FacadeInit): DaemonFacade {
  const { speaker, loop, store, clock } = c
  // Agent writes are serialized: check-then-write must not interleave (created vs updated, the limit).
  let agentChain: Promise<unknown> = Promise.resolve()
  const ownOutcomeListeners = new Set<(outcome: Outcome) => void>()
  function serialize<T> (fn: () => Promise<T>): Promise<T> {
    const next = agentChain.then(fn, fn)
    agentChain = next.catch(() => {})
    return next
  }

  return {
    health (): HealthView {
      return { ok: init.isReady(), org: init.org, peerId: init.peerId, role: init.role, interests: init.interests }
    },
    peers (): readonly DaemonPeerView[] {
      const addressesOf = init.addressesOf
      return addressesOf === undefined ? speaker.peers() : speaker.peers().map((p) => ({ ...p, addresses: addressesOf(p.peerId) }))
    },
    routes (capability?: string): readonly RouteView[] {
      return speaker.routes(clock.nowMs(), capability)
    },
    resolve (query: ResolveQuery): ResolveResult | undefined {
      // Timed once, by the API route (atpd_resolve_duration_seconds).
      const congested = c.congestion?.congestedPaths()
      return speaker.resolve(congested !== undefined && congested.size > 0 ? { ...query, congestedPaths: congested } : query, clock.nowMs())
    },
    window (org: string, agent: string) {
      return c.congestion?.windowOf(org, agent)
    },
    budgets () {
      return c.congestion?.budgets() ?? []
    },
    windows () {
      return c.congestion?.windows() ?? []
    },
    agents (): readonly LocalAgent[] {
      return speaker.localAgents()
    },
    async putAgent (agent: LocalAgent): Promise<PutAgentResult> {
      return await serialize(async () => {
        const current = speaker.localAgents()
        const exists = current.some((a) => a.id === agent.id)
        if (!exists && current.length >= init.maxAgents) {
          throw new LimitExceededError(`at most ${init.maxAgents} local agents`, init.maxAgents)
        }
        // The wire's rule before anything is stored: what is persisted always originates.
        const problem = localAgentProblem(agent)
        if (problem !== undefined) throw new InvalidArgumentError(`agent ${agent.id}: ${problem}`)
        await store.putAgent(agent)
        await loop.submit({ type: 'agent-upsert', agent })
        init.onAgentChange?.()
        return exists ? 'updated' : 'created'
      })
    },
    async removeAgent (id: string): Promise<boolean> {
      return await serialize(async () => {
        // A stored record skipped at start (it no longer validates) is not in the
        // speaker but must still be deletable.
        if (!speaker.localAgents().some((a) => a.id === id) && !(await store.hasAgent(id))) return false
        await store.deleteAgent(id)
        await loop.submit({ type: 'agent-remove', id })
        init.onAgentChange?.()
        return true
      })
    },
    async recordOutcome (outcome: Outcome, options: RecordOutcomeOptions = {}): Promise<boolean> {
      let recorded = false
      await loop.run((nowMs) => { recorded = speaker.recordOutcome(outcome, nowMs) })
      // Outcomes are part of the persisted snapshot: a restart keeps them.
      if (recorded) init.onAgentChange?.()
      if (recorded && options.shared !== true) {
        for (const listener of ownOutcomeListeners) listener(outcome)
      }
      return recorded
    },
    onOwnOutcome (listener: (outcome: Outcome) => void): () => void {
      ownOutcomeListeners.add(listener)
      return () => { ownOutcomeListeners.delete(listener) }
    },
    outcomes (): readonly OutcomeView[] {
      return speaker.outcomes(clock.nowMs())
    }
  }
}
