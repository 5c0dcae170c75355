/**
 * The hostile partner of the soak: `mallory`, a configured partner of globex that
 * behaves as badly as a neighbor can while the churn runs. Each round it opens a
 * session to globex and sends a flood of UPDATEs (routes it signs itself, for
 * capabilities nobody else serves), a ROUTE-REFRESH storm, then a frame that does not
 * decode — which must cost it the session (a NOTIFICATION, the stream closed). The same
 * round, as a local API caller at a random org, it writes memory values no replica may
 * hold (nested past the depth limit, past the size limit, a `__proto__` key): none may
 * answer 2xx (400 is the answer; on a loaded machine an answer can come too late).
 *
 * What must hold (checked by the soak's convergence and here): no route of mallory's
 * ever leaves globex (a partner's routes never go into the federation), every bad frame
 * is answered by a NOTIFICATION, every bad value by 400, and the daemons stay up with
 * bounded RSS and fds.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import {
  DEFAULT_HOLD_TIME_S, decodeFrame, encodeFrame, originateRoute,
  type Frame, type Route
} from '../../agp/index.ts'
import type { Signer } from '../../kernel/index.ts'
import { createEd25519Signer, loadOrCreateIdentity } from '../../daemon/identity/index.ts'
import { httpJson, type PeerJson } from '../../daemon/launcher/federation-api.ts'
import { AGP_PROTOCOL } from '../../daemon/p2p/agp-transport.ts'
import { FrameChannel } from '../../daemon/p2p/frame-channel.ts'
import { createLibp2pNode } from '../../daemon/p2p/libp2p-node.ts'
import { HOSTILE_ORG, MEMORY_NS, type SoakSite } from './federation.ts'

const FLOOD_ROUTES = 200
const REFRESH_STORM = 200
const DEEP_LEVELS = 3_500
const BIG_VALUE_CHARS = 70 * 1024
/** Generous: on a loaded machine the target's event loop may be seconds behind. */
const NOTIFICATION_WAIT_MS = 20_000

export interface HostilePartnerReport {
  rounds: number
  sessionsEstablished: number
  dialFailures: number
  updatesSent: number
  routesAnnounced: number
  refreshesSent: number
  garbageFrames: number
  notificationsForGarbage: number
  /** Garbage that did not cost the session (must stay 0). */
  garbageWithoutNotification: number
  /** Sessions that ended before the garbage was sent (the frames say why). */
  sessionsLostBeforeGarbage: number
  badValueWrites: number
  /** Status counts of those writes (every one must be 400). */
  badValueStatuses: Record<string, number>
  errors: string[]
}

export class HostilePartner {
  readonly report: HostilePartnerReport = {
    rounds: 0, sessionsEstablished: 0, dialFailures: 0, updatesSent: 0, routesAnnounced: 0, refreshesSent: 0,
    garbageFrames: 0, notificationsForGarbage: 0, garbageWithoutNotification: 0, sessionsLostBeforeGarbage: 0, badValueWrites: 0, badValueStatuses: {}, errors: []
  }

  private seq = 0

  private constructor (
    private readonly node: Libp2p,
    private readonly signer: Signer,
    private readonly peerId: string,
    private readonly target: SoakSite,
    private readonly orgs: readonly SoakSite[],
    private readonly random: () => number
  ) {}

  static async start (dir: string, target: SoakSite, orgs: readonly SoakSite[], random: () => number): Promise<HostilePartner> {
    const { privateKey, peerId } = await loadOrCreateIdentity(dir)
    const node = await createLibp2pNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], dht: false, holdTimeS: DEFAULT_HOLD_TIME_S })
    await node.start()
    return new HostilePartner(node, createEd25519Signer(peerId, privateKey), peerId, target, orgs, random)
  }

  async stop (): Promise<void> {
    await this.node.stop()
  }

  /** One round: a session's worth of abuse on the wire, then bad values through the API. */
  async round (): Promise<void> {
    this.report.rounds++
    try {
      await this.abuseSession()
    } catch (err) {
      this.error(`session: ${(err as Error).message}`)
    }
    await this.badValues()
  }

  private async abuseSession (): Promise<void> {
    if (this.target.frozen || this.target.busy || !this.target.proc.running) return
    if (await this.sessionState() === 'established') return
    let session: WireSession
    try {
      const stream = await this.node.dialProtocol(multiaddr(`${this.target.proc.addr}/p2p/${this.target.proc.peerId}`), AGP_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      session = wireSession(stream)
    } catch {
      // globex holds a reset session idle for a while before it accepts again.
      this.report.dialFailures++
      return
    }
    try {
      try {
        await session.next('open')
      } catch {
        this.report.dialFailures++
        return
      }
      const after = session.frames.length
      session.send({ type: 'open', org: HOSTILE_ORG, site: HOSTILE_ORG, role: 'peer', cluster: '', holdTimeS: 0, capabilities: [], interests: [] })
      await session.next('keepalive', after)
      session.send({ type: 'keepalive' })
      this.report.sessionsEstablished++

      // A flood: many UPDATEs of routes only mallory serves, some announced again at once.
      const routes: Route[] = []
      for (let i = 0; i < FLOOD_ROUTES; i++) routes.push(this.originate(`m${Math.floor(this.random() * FLOOD_ROUTES)}`))
      for (let i = 0; i < routes.length; i += 10) {
        session.send({ type: 'update', announces: routes.slice(i, i + 10), withdraws: [] })
        this.report.updatesSent++
      }
      this.report.routesAnnounced += routes.length
      // A refresh storm: each asks globex to send its whole table again.
      session.send(...Array.from({ length: REFRESH_STORM }, (): Frame => ({ type: 'route-refresh', interests: [] })))
      this.report.refreshesSent += REFRESH_STORM
      await sleep(500)

      // Garbage: a payload that is no frame. It must cost the session.
      const garbage = new Uint8Array(64 + Math.floor(this.random() * 512)).map(() => Math.floor(this.random() * 256))
      garbage[0] = 0xff
      this.report.garbageFrames++
      const before = session.frames.length
      if (!session.isOpen) {
        // Not the garbage's doing: say what ended the session.
        this.report.sessionsLostBeforeGarbage++
        this.error(`session closed before the garbage frame (${session.frames.slice(before - 1).map((f) => f.type).join(', ')})`)
        return
      }
      session.sendPayload(garbage)
      try {
        await session.next('notification', before, NOTIFICATION_WAIT_MS)
        this.report.notificationsForGarbage++
      } catch (err) {
        this.report.garbageWithoutNotification++
        this.error(`garbage frame not answered by a NOTIFICATION: ${(err as Error).message}`)
      }
    } finally {
      await session.close()
    }
  }

  private originate (id: string): Route {
    return originateRoute({
      id, capability: `mallory/${id}`, endpoint: 'http://127.0.0.1:9',
      costUsd: 0.01, latencyMs: { p50: 1, p95: 2 }, winRate: { wins: 1, trials: 1 }, region: 'eu', tags: []
    }, { org: HOSTILE_ORG, signer: this.signer, originSeq: ++this.seq, nowMs: Date.now() })
  }

  private async sessionState (): Promise<string | undefined> {
    try {
      return (await httpJson<{ peers: PeerJson[] }>(this.target.proc.apiUrl, '/v1/peers')).body.peers.find((p) => p.peerId === this.peerId)?.state
    } catch {
      return undefined
    }
  }

  /** Values no replica may hold, written as a local API caller would. */
  private async badValues (): Promise<void> {
    const live = this.orgs.filter((s) => !s.frozen && !s.busy && s.proc.running)
    const site = live[Math.floor(this.random() * live.length)]
    if (site === undefined) return
    let deep: unknown = 1
    for (let i = 0; i < DEEP_LEVELS; i++) deep = [deep]
    const writes: Array<[string, unknown]> = [
      ['deep', { value: deep }],
      ['big', { value: 'x'.repeat(BIG_VALUE_CHARS) }],
      ['proto', { value: JSON.parse('{"__proto__": {"polluted": true}}') as unknown }]
    ]
    for (const [key, body] of writes) {
      this.report.badValueWrites++
      let status = 'no answer'
      try {
        status = String((await httpJson(site.proc.apiUrl, `/v1/memory/${MEMORY_NS}/entries/hostile-${key}`, { method: 'PUT', body })).status)
      } catch (err) {
        this.error(`bad value ${key} at ${site.name}: ${(err as Error).message}`)
      }
      this.report.badValueStatuses[status] = (this.report.badValueStatuses[status] ?? 0) + 1
    }
  }

  private error (what: string): void {
    if (this.report.errors.length < 20) this.report.errors.push(`${new Date().toISOString()} ${what}`)
  }
}

interface WireSession {
  readonly frames: Frame[]
  readonly isOpen: boolean
  send (...frames: Frame[]): void
  sendPayload (payload: Uint8Array): void
  /** The first frame of `type` received at index `from` or later. */
  next (type: Frame['type'], from?: number, timeoutMs?: number): Promise<Frame>
  close (): Promise<void>
}

/** Frames kept per session: enough for a handshake and the answers to one round. */
const MAX_KEPT_FRAMES = 256

function wireSession (stream: Stream): WireSession {
  const frames: Frame[] = []
  const wakers = new Set<() => void>()
  let closed = false
  const ch = new FrameChannel(stream, {
    maxQueuedBytes: 64 * 1024 * 1024,
    onPayload: (bytes) => {
      const d = decodeFrame(bytes)
      if (d.ok && frames.length < MAX_KEPT_FRAMES) frames.push(d.value)
      for (const wake of [...wakers]) wake()
    },
    onClose: () => {
      closed = true
      for (const wake of [...wakers]) wake()
    }
  })
  return {
    frames,
    get isOpen () { return ch.isOpen },
    send (...fs) { if (ch.isOpen) ch.enqueue(fs.map((f) => encodeFrame(f))) },
    sendPayload (payload) { if (ch.isOpen) ch.enqueue([payload]) },
    async next (type, from = 0, timeoutMs = 10_000) {
      return await new Promise<Frame>((resolve, reject) => {
        const timer = setTimeout(() => { wakers.delete(check); reject(new Error(`no ${type} frame within ${timeoutMs} ms`)) }, timeoutMs)
        function check (): void {
          const f = frames.slice(from).find((x) => x.type === type)
          if (f !== undefined) { clearTimeout(timer); wakers.delete(check); resolve(f); return }
          if (closed) { clearTimeout(timer); wakers.delete(check); reject(new Error(`stream closed before a ${type} frame`)) }
        }
        wakers.add(check)
        check()
      })
    },
    async close () { await ch.close(500) }
  }
}
