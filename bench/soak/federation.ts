/**
 * The soak federation: 2 reflectors in different clusters (a non-client pair, RFC 4456
 * §6) and 4 orgs, each a client of both; one org with interests; one shared memory
 * namespace; discovery on (Kad-DHT, bootstrap rr1), so strangers can speak the DHT; and
 * globex has a partner, `mallory`, that is not a daemon but the soak's hostile peer
 * (hostile-partner.ts). Configs come from the federation fixture's spec renderer
 * (daemon/launcher/federation-config.ts) and processes are the fixture's AtpdProcess:
 * the soak needs each daemon's pid (/proc sampling), SIGSTOP/SIGCONT and a SIGTERM
 * restart, which the process objects give directly.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOrCreateIdentity } from '../../daemon/identity/index.ts'
import type { AtpdProcess } from '../../daemon/launcher/atpd-process.ts'
import { must, type FederationSpec } from '../../daemon/launcher/federation-config.ts'
import { createSiteProcesses } from '../../daemon/launcher/federation.ts'

export const MEMORY_NS = 'soak-notes'
export const ORGS = ['acme', 'globex', 'initech', 'umbrella'] as const
export const REFLECTORS = ['rr1', 'rr2'] as const
/** initech asks only for these (RFC 4684's idea): its table is the filtered view. */
export const INTERESTS: Readonly<Record<string, readonly string[]>> = { initech: ['summarize', 'translate'] }
export const HOLD_TIME_S = 6
export const RESTART_TIME_S = 10
export const DHT_FEDERATION = 'soak'
/** The hostile partner's org, and the site it is a partner of. */
export const HOSTILE_ORG = 'mallory'
export const HOSTILE_TARGET = 'globex'

const memory = { memory: { namespaces: [{ id: MEMORY_NS, members: [...ORGS], writers: [...ORGS] }] } }
const discovery = { federation: DHT_FEDERATION, bootstrap: ['rr1'] }

export function soakSpec (): FederationSpec {
  const clients = Object.fromEntries(ORGS.map((o) => [o, 'client' as const]))
  const sites: Record<string, FederationSpec['sites'][string]> = {
    rr1: { role: 'reflector', org: 'fed-ops', cluster: 'c1', neighbors: { rr2: 'peer', ...clients }, discovery, extra: memory },
    rr2: { role: 'reflector', org: 'fed-ops', cluster: 'c2', neighbors: { rr1: 'peer', ...clients }, discovery, extra: memory }
  }
  for (const org of ORGS) {
    const interests = INTERESTS[org]
    sites[org] = {
      role: 'peer', org, neighbors: { rr1: 'reflector', rr2: 'reflector' }, discovery, extra: memory,
      ...(interests !== undefined ? { interests } : {})
    }
  }
  return { sites, holdTimeS: HOLD_TIME_S, restartTimeS: RESTART_TIME_S, mraiMs: 50, maxBackoffS: 2 }
}

export interface SoakSite {
  readonly name: string
  readonly role: 'reflector' | 'peer'
  readonly org: string
  readonly interests: readonly string[]
  readonly proc: AtpdProcess
  /** Set while the soak itself stops, restarts or freezes it (not a death). */
  busy: boolean
  frozen: boolean
  /** Bumped at every start, so samples of different lifetimes are not compared. */
  incarnation: number
}

export interface SoakFederation {
  readonly root: string
  /** The identity dir of the hostile partner, configured as a partner of HOSTILE_TARGET. */
  readonly hostileDir: string
  readonly sites: readonly SoakSite[]
  site (name: string): SoakSite
  /** SIGCONT + SIGKILL every process, remove the temp dir. Idempotent. */
  destroy (): Promise<void>
  /** SIGTERM every process (a clean stop: audit and level flushed); exit codes by site. */
  stopAll (): Promise<Record<string, number | null>>
}

export async function startSoakFederation (startTimeoutMs = 120_000): Promise<SoakFederation> {
  const spec = soakSpec()
  const root = await mkdtemp(join(tmpdir(), 'atp-soak-'))
  const sites: SoakSite[] = []
  let destroyed = false
  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    await Promise.allSettled(sites.map(async (s) => { await s.proc.kill() }))
    await rm(root, { recursive: true, force: true }).catch(() => {})
  }
  let hostileDir = ''
  try {
    for (const [name, { proc }] of await createSiteProcesses(spec, root)) {
      const s = must(spec.sites[name], name)
      sites.push({ name, role: s.role, org: s.org, interests: s.interests ?? [], proc, busy: false, frozen: false, incarnation: 1 })
    }
    const target = must(sites.find((s) => s.name === HOSTILE_TARGET), HOSTILE_TARGET).proc
    const hostile = await identityBelow(join(root, 'mallory'), target.peerId)
    hostileDir = hostile.dir
    // No address: mallory's id sorts below globex's, so mallory dials (a partner session's lower id does).
    ;(target.config.neighbors as unknown[]).push({ peer: hostile.peerId, org: HOSTILE_ORG, role: 'partner' })
    await Promise.all(sites.map(async (s) => { await s.proc.start({ timeoutMs: startTimeoutMs }) }))
  } catch (err) {
    await destroy()
    throw err
  }
  return {
    root,
    hostileDir,
    sites,
    site: (name) => must(sites.find((s) => s.name === name), `site ${name}`),
    destroy,
    async stopAll () {
      const codes = await Promise.all(sites.map(async (s) => {
        s.busy = true
        if (s.frozen) { s.proc.thaw(); s.frozen = false }
        return [s.name, await s.proc.stop({ timeoutMs: 15_000 })] as const
      }))
      return Object.fromEntries(codes)
    }
  }
}

/** SIGTERM, wait for the exit, start again on the same data dir; the exit code of the stop. */
export async function restartSite (site: SoakSite, startTimeoutMs = 60_000): Promise<number | null> {
  site.busy = true
  try {
    const code = await site.proc.stop({ timeoutMs: 15_000 })
    await site.proc.start({ timeoutMs: startTimeoutMs })
    site.incarnation++
    return code
  } finally {
    site.busy = false
  }
}

/** A fresh identity whose peer id sorts below `peerId` (half of all ids do). */
async function identityBelow (root: string, peerId: string): Promise<{ dir: string, peerId: string }> {
  await mkdir(root, { recursive: true })
  for (let i = 0; i < 64; i++) {
    const dir = await mkdtemp(join(root, 'id-'))
    const id = (await loadOrCreateIdentity(dir)).peerId
    if (id < peerId) return { dir, peerId: id }
  }
  throw new Error(`no identity below ${peerId} in 64 tries`)
}
