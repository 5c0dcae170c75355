/**
 * A stranger on the soak federation's DHT: a libp2p node no site has configured, speaking
 * Kad-DHT (`/atp/kad/1.0.0`) to the reflectors while the churn runs. Each round it
 * provides random keys and the federation key at both reflectors, then sends a flood of
 * PINGs on one stream to each. What must hold: the daemons stay up with bounded RSS and
 * fds, and no flood gets more answers than the per-peer request budget allows for the
 * windows it spans (daemon/discovery/kad-request-limit.ts).
 */
import { lpStream } from '@libp2p/utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { federationKey } from '../../daemon/discovery/federation-key.ts'
import { KAD_REQUEST_WINDOW_S, KAD_REQUESTS_PER_PEER } from '../../daemon/discovery/kad-request-limit.ts'
import { createLibp2pNode, KAD_PROTOCOL } from '../../daemon/p2p/libp2p-node.ts'
import type { SoakSite } from './federation.ts'

const RANDOM_KEYS_PER_ROUND = 20
const PINGS_PER_FLOOD = 2 * KAD_REQUESTS_PER_PEER
/** A Kad-DHT PING request (protobuf field 1, type = 5). */
const KAD_PING = Uint8Array.of(0x08, 0x05)

export interface DhtStrangerReport {
  rounds: number
  providesSent: number
  pingFloods: number
  pingsSent: number
  pingsAnswered: number
  /** The most PINGs one flood got answered. */
  maxAnsweredInAFlood: number
  /** Floods answered more than the budget allows for the windows they spanned (must stay 0). */
  floodsOverBudget: number
  /** Requests per peer per window. */
  budget: number
  windowS: number
  errors: string[]
}

export class DhtStranger {
  readonly report: DhtStrangerReport = { rounds: 0, providesSent: 0, pingFloods: 0, pingsSent: 0, pingsAnswered: 0, maxAnsweredInAFlood: 0, floodsOverBudget: 0, budget: KAD_REQUESTS_PER_PEER, windowS: KAD_REQUEST_WINDOW_S, errors: [] }
  private keyCounter = 0

  private constructor (private readonly node: Libp2p, private readonly federation: string, private readonly reflectors: readonly SoakSite[]) {}

  static async start (federation: string, reflectors: readonly SoakSite[]): Promise<DhtStranger> {
    const node = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], dht: true, holdTimeS: 0 })
    await node.start()
    return new DhtStranger(node, federation, reflectors)
  }

  async stop (): Promise<void> {
    await this.node.stop()
  }

  async round (): Promise<void> {
    this.report.rounds++
    const live = this.reflectors.filter((s) => !s.busy && s.proc.running)
    for (const rr of live) {
      try {
        await this.node.dial(multiaddr(`${rr.proc.addr}/p2p/${rr.proc.peerId}`), { signal: AbortSignal.timeout(5_000) })
      } catch (err) {
        this.error(`dial ${rr.name}: ${(err as Error).message}`)
      }
    }
    const keys = [await federationKey(this.federation)]
    for (let i = 0; i < RANDOM_KEYS_PER_ROUND; i++) keys.push(CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`stranger-${this.keyCounter++}`))))
    for (const key of keys) {
      this.report.providesSent++
      await this.node.contentRouting.provide(key, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
    }
    for (const rr of live) await this.pingFlood(rr)
  }

  private async pingFlood (rr: SoakSite): Promise<void> {
    this.report.pingFloods++
    const startedMs = Date.now()
    let answered = 0
    try {
      const stream = await this.node.dialProtocol(multiaddr(`${rr.proc.addr}/p2p/${rr.proc.peerId}`), KAD_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
      const lp = lpStream(stream)
      try {
        for (let i = 0; i < PINGS_PER_FLOOD; i++) {
          this.report.pingsSent++
          await lp.write(KAD_PING, { signal: AbortSignal.timeout(5_000) })
          await lp.read({ signal: AbortSignal.timeout(5_000) })
          answered++
        }
      } catch {
        // Refused past the budget: the daemon aborted the stream.
      }
      stream.abort(new Error('flood over'))
    } catch (err) {
      this.error(`PING stream to ${rr.name}: ${(err as Error).message}`)
    }
    this.report.pingsAnswered += answered
    this.report.maxAnsweredInAFlood = Math.max(this.report.maxAnsweredInAFlood, answered)
    // The budget is per window (fixed windows from a peer's first request): a flood that
    // spans k window boundaries may be answered up to (k + 1) budgets, and no more.
    const windows = 1 + Math.ceil((Date.now() - startedMs) / (KAD_REQUEST_WINDOW_S * 1000))
    if (answered > windows * KAD_REQUESTS_PER_PEER) this.report.floodsOverBudget++
  }

  private error (what: string): void {
    if (this.report.errors.length < 20) this.report.errors.push(`${new Date().toISOString()} ${what}`)
  }
}
