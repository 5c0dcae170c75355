/**
 * The churn phase: bursts of seeded operations, each followed by a convergence check
 * with a settle deadline; and, every DISRUPT_EVERY_MS, a disruption instead of a plain
 * burst, alternating a reflector restart (SIGTERM + start on the same data dir) and an
 * org frozen (SIGSTOP) past its hold time, then thawed (SIGCONT).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Random } from '../../kernel/index.ts'
import { httpJson, type PeerJson } from '../../daemon/launcher/federation-api.ts'
import { CAPABILITIES, type Churn, type ErrorLog } from './churn.ts'
import { checkResolve, waitConverged } from './convergence.ts'
import { HOLD_TIME_S, HOSTILE_ORG, REFLECTORS, restartSite, type SoakFederation, type SoakSite } from './federation.ts'
import { WITHDRAW_PENALTY, type ChurnModel } from './model.ts'
import type { Sampler } from './sampler.ts'

const FIRST_DISRUPTION_MS = 30_000
const DISRUPT_EVERY_MS = 40_000
/** No disruption this close to the end: the restarted daemon needs a warmed-up sample too. */
const NO_DISRUPTION_BEFORE_END_MS = 45_000
/** Above restartTimeS (stale copies kept through a graceful restart) + hold time + reconnect backoff. */
export const SETTLE_DEADLINE_MS = 30_000
const MAX_PROBLEMS_KEPT = 20

export interface CheckRecord { readonly tS: number, readonly after: string, readonly ok: boolean, readonly ms: number, readonly problems?: string[] }
export interface DisruptionRecord {
  readonly tS: number
  readonly kind: 'reflector-restart' | 'org-freeze'
  readonly site: string
  /** restart: the exit code of the SIGTERM stop (0 = clean). */
  readonly stopExitCode?: number | null
  /** freeze: did both reflectors take the session down while it was frozen? */
  readonly sessionsDropped?: boolean
  readonly frozenS?: number
  readonly ms: number
}

export interface PhaseState {
  readonly checks: CheckRecord[]
  /** Resolve answers compared with the expected table after a converged check. */
  readonly resolveChecks: { passed: number, failed: number }
  readonly disruptions: DisruptionRecord[]
}

export async function churnPhase (
  fed: SoakFederation, churn: Churn, model: ChurnModel, sampler: Sampler,
  randoms: { readonly churn: Random, readonly checks: Random },
  errors: ErrorLog, t0Ms: number, endMs: number, state: PhaseState
): Promise<void> {
  // Checks draw from their own stream: the churn sequence of a seed does not depend on
  // how the checks went.
  const random = randoms.churn
  const checkRandom = randoms.checks
  const orgs = fed.sites.filter((s) => s.role === 'peer')
  let nextDisruptionMs = t0Ms + FIRST_DISRUPTION_MS
  let n = 0
  while (Date.now() < endMs) {
    const burst = 3 + Math.floor(random.next() * 6)
    let after = `burst of ${burst}`
    if (Date.now() >= nextDisruptionMs && endMs - Date.now() > NO_DISRUPTION_BEFORE_END_MS) {
      nextDisruptionMs += DISRUPT_EVERY_MS
      const started = Date.now()
      const tS = (started - t0Ms) / 1000
      if (n % 2 === 0) {
        const rr = fed.site(REFLECTORS[(n / 2) % REFLECTORS.length] ?? 'rr1')
        const stopExitCode = await restartSite(rr).catch((err: unknown) => { errors.add(`restart ${rr.name}: ${String(err)}`); return null })
        sampler.restarted(rr.name)
        // Conservative: count the restart as a withdrawal of every path at that reflector.
        for (const a of model.all()) model.penalize(a.org, a.id, WITHDRAW_PENALTY, Date.now())
        await churn.burst(orgs, burst)
        state.disruptions.push({ tS, kind: 'reflector-restart', site: rr.name, stopExitCode, ms: Date.now() - started })
        after = `restart of ${rr.name} + ${after}`
      } else {
        const victim = orgs[((n - 1) / 2) % orgs.length] ?? orgs[0]!
        const record = await freeze(fed, victim, churn, orgs.filter((o) => o !== victim), burst)
        for (const a of model.agentsOf(victim.org)) model.penalize(a.org, a.id, WITHDRAW_PENALTY, Date.now())
        if (record.sessionsDropped !== true) errors.add(`${victim.name} frozen ${record.frozenS ?? '?'} s (hold time ${HOLD_TIME_S} s) but a reflector still showed its session established`)
        state.disruptions.push({ tS, ...record, ms: Date.now() - started })
        after = `freeze of ${victim.name} + ${after} elsewhere`
      }
      n++
    } else {
      await churn.burst(orgs, burst)
    }
    const r = await waitConverged(fed.sites, model, SETTLE_DEADLINE_MS)
    state.checks.push({ tS: Math.round((Date.now() - t0Ms) / 100) / 10, after, ok: r.ok, ms: r.ms, ...(r.ok ? {} : { problems: r.problems.slice(0, MAX_PROBLEMS_KEPT) }) })
    if (r.ok) {
      const consumer = orgs[Math.floor(checkRandom.next() * orgs.length)] ?? orgs[0]!
      const problem = await checkResolve(consumer, model, CAPABILITIES[Math.floor(checkRandom.next() * CAPABILITIES.length)] ?? 'summarize')
      if (problem === undefined) state.resolveChecks.passed++
      else { state.resolveChecks.failed++; errors.add(`resolve disagrees with the converged table: ${problem}`) }
    }
    if (!r.ok) errors.add(`not converged ${SETTLE_DEADLINE_MS / 1000} s after ${after}: ${r.problems.join(' | ').slice(0, 600)}`)
    process.stderr.write(`soak: t=${Math.round((Date.now() - t0Ms) / 1000)}s ${after}: ${r.ok ? `converged in ${r.ms} ms` : 'NOT converged'}\n`)
    await sleep(1000 + Math.floor(random.next() * 2000))
  }
}

async function freeze (
  fed: SoakFederation, victim: SoakSite, churn: Churn, others: readonly SoakSite[], burst: number
): Promise<Pick<DisruptionRecord, 'kind' | 'site' | 'sessionsDropped' | 'frozenS'>> {
  victim.frozen = true
  victim.proc.freeze()
  const frozenAt = Date.now()
  try {
    // The federation moves on while the victim sleeps: it must catch up after SIGCONT.
    await churn.burst(others, burst)
    await sleep(Math.max(0, frozenAt + (HOLD_TIME_S + 2) * 1000 - Date.now()))
    const states = await Promise.all(REFLECTORS.map(async (rr) => await sessionState(fed.site(rr), victim.proc.peerId)))
    return { kind: 'org-freeze', site: victim.name, sessionsDropped: states.every((s) => s !== 'established'), frozenS: Math.round((Date.now() - frozenAt) / 100) / 10 }
  } finally {
    victim.proc.thaw()
    victim.frozen = false
  }
}

async function sessionState (site: SoakSite, peerId: string): Promise<string | undefined> {
  try {
    return (await httpJson<{ peers: PeerJson[] }>(site.proc.apiUrl, '/v1/peers')).body.peers.find((p) => p.peerId === peerId)?.state
  } catch {
    return undefined
  }
}

/** Waits until every site's sessions are established (start-up); the hostile partner starts later. */
export async function waitAllEstablished (sites: readonly SoakSite[], deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    const states = await Promise.all(sites.map(async (s) => {
      try {
        const ps = (await httpJson<{ peers: PeerJson[] }>(s.proc.apiUrl, '/v1/peers')).body.peers.filter((p) => p.org !== HOSTILE_ORG)
        return ps.length > 0 && ps.every((p) => p.state === 'established')
      } catch {
        return false
      }
    }))
    if (states.every(Boolean)) return true
    await sleep(250)
  }
  return false
}
