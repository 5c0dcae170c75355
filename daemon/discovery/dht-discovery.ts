/**
 * Discovery over Kad-DHT (`/atp/kad/1.0.0`): reflectors provide the federation key;
 * any daemon that knows a reflector's peer id (from its config allowlist) but not its
 * address finds the address with a DHT peer lookup. The allowlist still decides who is
 * a neighbor: the DHT only answers "where", never "who".
 *
 * js-libp2p component shape: factory, components vs init, start/stop, AbortOptions.
 */
import type { AbortOptions, IdentifyResult, PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { KAD_PROTOCOL } from '../p2p/libp2p-node.ts'
import { federationKey } from './federation-key.ts'

export interface DhtDiscoveryComponents {
  readonly libp2p: Libp2p
  readonly logger: Logger
}

export interface DhtDiscoveryInit {
  readonly federation: string
  readonly bootstrap: readonly string[]
  /** Reflectors announce themselves under the federation key. */
  readonly announce: boolean
  /** Retry interval while no bootstrap peer answers or the announcement fails. */
  readonly retryMs?: number
  /** Bound on one lookup, and on reaching one bootstrap peer. */
  readonly lookupTimeoutMs?: number
  /** Bound on one announcement (a DHT provide). */
  readonly announceTimeoutMs?: number
  /** Pause between lookups of one `findAddrs` call while the peer is not found yet. */
  readonly lookupRetryMs?: number
  /** The DHT's protocol, which a bootstrap peer must be identified as speaking. */
  readonly kadProtocol?: string
}

export interface DiscoveredPeer {
  readonly peerId: string
  readonly addrs: string[]
}

export interface DhtDiscovery extends Startable {
  /** Addresses of a peer, from the peer store if known, else a DHT lookup. */
  findAddrs (peerId: string, options?: AbortOptions): Promise<Multiaddr[]>
  /** Reflectors that announced themselves under the federation key. */
  findReflectors (options?: AbortOptions & { max?: number }): Promise<DiscoveredPeer[]>
  /** True once the node reached a bootstrap peer (and, for a reflector, announced). */
  isReady (): boolean
}

export class DiscoveryError extends Error {
  readonly code = 'ERR_DISCOVERY'
}

const DEFAULT_RETRY_MS = 2_000
const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000
const DEFAULT_ANNOUNCE_TIMEOUT_MS = 30_000
/** How often the routing table is looked at while a bootstrap peer is being entered in it. */
const ROUTING_TABLE_POLL_MS = 100
const DEFAULT_LOOKUP_RETRY_MS = 1_000

export function createDhtDiscovery (components: DhtDiscoveryComponents, init: DhtDiscoveryInit): DhtDiscovery {
  const { libp2p, logger } = components
  const log = logger.child({ component: 'discovery', federation: init.federation })
  const retryMs = init.retryMs ?? DEFAULT_RETRY_MS
  const lookupTimeoutMs = init.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS
  const lookupRetryMs = init.lookupRetryMs ?? DEFAULT_LOOKUP_RETRY_MS
  const announceTimeoutMs = init.announceTimeoutMs ?? DEFAULT_ANNOUNCE_TIMEOUT_MS
  // The DHT's routing table (its size is enough); without a DHT service, joining does
  // not wait for it.
  const routingTable = dhtRoutingTable(libp2p)
  const kadProtocol = init.kadProtocol ?? KAD_PROTOCOL
  const bootstrap = init.bootstrap.map((a) => multiaddr(a))
  let ready = false
  let timer: NodeJS.Timeout | undefined
  let stopped = true
  const controller = { abort: new AbortController() }

  async function joinOnce (): Promise<void> {
    let reached = 0
    for (const addr of bootstrap) {
      // A bootstrap address may be our own (the first reflector bootstraps the others).
      const peer = addr.getComponents().find((c) => c.name === 'p2p')?.value
      if (peer === libp2p.peerId.toString()) continue
      const signal = AbortSignal.any([controller.abort.signal, timeoutSignal(lookupTimeoutMs)])
      try {
        const connection = await libp2p.dial(addr, { signal })
        // Connected, but the DHT knows the peer only once identify said it speaks the DHT
        // protocol and the DHT's own ping of the new contact answered. Each happens once
        // per connection, and neither is retried when it fails (on a CPU-starved start
        // both can time out): the routing table would stay empty, and every lookup and
        // announcement would wait for a peer forever. A new connection runs both again.
        if (!await speaksKad(connection.remotePeer, signal)) {
          log.warn({ addr: addr.toString() }, 'bootstrap peer connected but not identified as a DHT peer; reconnecting')
        } else if (!await inRoutingTable(signal)) {
          log.warn({ addr: addr.toString() }, 'bootstrap peer identified but not entered in the DHT routing table; reconnecting')
        } else {
          reached++
          continue
        }
        await libp2p.hangUp(connection.remotePeer).catch(() => {})
      } catch (err) {
        log.debug({ addr: addr.toString(), err: String(err) }, 'bootstrap dial failed')
      }
    }
    if (reached === 0 && bootstrap.length > 0 && !init.announce) throw new DiscoveryError('no bootstrap peer reachable')
    if (init.announce) {
      const signal = AbortSignal.any([controller.abort.signal, timeoutSignal(announceTimeoutMs)])
      await libp2p.contentRouting.provide(await federationKey(init.federation), { signal })
      log.info('announced as a reflector of the federation')
    }
    ready = true
  }

  /** Waits until identify reports that `peer` speaks the DHT protocol; false at `signal`. */
  async function speaksKad (peer: PeerId, signal: AbortSignal): Promise<boolean> {
    const known = async (): Promise<boolean> => {
      try { return (await libp2p.peerStore.get(peer)).protocols.includes(kadProtocol) } catch { return false }
    }
    if (await known()) return true
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        libp2p.removeEventListener('peer:identify', onIdentify)
        signal.removeEventListener('abort', onAbort)
        resolve(ok)
      }
      const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
        if (evt.detail.peerId.equals(peer) && evt.detail.protocols.includes(kadProtocol)) done(true)
      }
      const onAbort = (): void => { done(false) }
      libp2p.addEventListener('peer:identify', onIdentify)
      signal.addEventListener('abort', onAbort, { once: true })
      // Identify may have finished between the first look and the listener.
      void known().then((ok) => { if (ok) done(true) })
    })
  }

  /** Waits until the DHT's routing table holds a peer; false at `signal`. */
  async function inRoutingTable (signal: AbortSignal): Promise<boolean> {
    if (routingTable === undefined) return true
    while (routingTable.size === 0) {
      if (signal.aborted || !await pause(ROUTING_TABLE_POLL_MS, signal)) return false
    }
    return true
  }

  function schedule (delayMs: number): void {
    if (stopped) return
    timer = setTimeout(() => {
      joinOnce().catch((err: unknown) => {
        if (stopped) return
        log.warn({ err: String(err), retryMs }, 'discovery not ready; retrying')
        schedule(retryMs)
      })
    }, delayMs)
    timer.unref()
  }

  async function lookup (id: PeerId, options?: AbortOptions): Promise<Multiaddr[]> {
    const signal = AbortSignal.any([controller.abort.signal, timeoutSignal(lookupTimeoutMs), ...(options?.signal != null ? [options.signal] : [])])
    const info = await libp2p.peerRouting.findPeer(id, { signal })
    return info.multiaddrs
  }

  async function storedAddrs (id: PeerId): Promise<Multiaddr[]> {
    try {
      return (await libp2p.peerStore.get(id)).addresses.map((a) => a.multiaddr)
    } catch {
      return [] // not in the peer store: ask the DHT
    }
  }

  /** Waits `ms`; false when the caller's signal or stop cut the wait short. */
  async function pause (ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    const signals = [controller.abort.signal, ...(signal != null ? [signal] : [])]
    return await new Promise<boolean>((resolve) => {
      const done = (completed: boolean): void => {
        clearTimeout(t)
        for (const s of signals) s.removeEventListener('abort', onAbort)
        resolve(completed)
      }
      const onAbort = (): void => { done(false) }
      const t = setTimeout(() => { done(true) }, ms)
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true })
    })
  }

  return {
    async start (): Promise<void> {
      stopped = false
      controller.abort = new AbortController()
      schedule(0)
    },
    async stop (): Promise<void> {
      stopped = true
      if (timer != null) clearTimeout(timer)
      controller.abort.abort()
    },
    isReady: () => ready,
    async findAddrs (peerId: string, options?: AbortOptions): Promise<Multiaddr[]> {
      const id = peerIdFromString(peerId)
      // Until this node reached a bootstrap peer, and until the peer announced itself to
      // them, a lookup finds nothing. Daemons of one federation start in any order, so
      // the lookup is tried again within the caller's time rather than failed at once:
      // a failed dial waits for the session's next connect retry, whose backoff doubles
      // with every failure, and a node started before its bootstrap peers would
      // otherwise reach them tens of seconds after they came up.
      let lastError: unknown = new Error('discovery has not reached a bootstrap peer yet')
      for (;;) {
        const known = await storedAddrs(id)
        if (known.length > 0) return known
        if (ready) {
          try {
            return await lookup(id, options)
          } catch (err) {
            lastError = err
          }
        }
        if (stopped || options?.signal?.aborted === true || !await pause(lookupRetryMs, options?.signal)) {
          throw new DiscoveryError(`peer ${peerId} not found in federation ${init.federation}: ${String(lastError)}`)
        }
      }
    },
    async findReflectors (options?: AbortOptions & { max?: number }): Promise<DiscoveredPeer[]> {
      const max = options?.max ?? 64
      const signal = AbortSignal.any([controller.abort.signal, timeoutSignal(lookupTimeoutMs), ...(options?.signal != null ? [options.signal] : [])])
      const found = new Map<string, DiscoveredPeer>()
      for await (const p of libp2p.contentRouting.findProviders(await federationKey(init.federation), { signal })) {
        found.set(p.id.toString(), { peerId: p.id.toString(), addrs: p.multiaddrs.map(String) })
        if (found.size >= max) break
      }
      return [...found.values()].sort((a, b) => a.peerId.localeCompare(b.peerId))
    }
  }
}

/** The routing table of the node's Kad-DHT service, when it has one. */
function dhtRoutingTable (libp2p: Libp2p): { readonly size: number } | undefined {
  const dht = (libp2p.services as Record<string, unknown> | undefined)?.dht as { routingTable?: { size?: unknown } } | undefined
  const table = dht?.routingTable
  return typeof table?.size === 'number' ? table as { readonly size: number } : undefined
}

/**
 * AbortSignal.timeout on the global timers, so that a test's fake clock drives it too
 * (AbortSignal.timeout runs on a clock of its own). Unreferenced: a pending deadline
 * never keeps the process alive.
 */
function timeoutSignal (ms: number): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')) }, ms)
  ;(timer as { unref?: () => void }).unref?.()
  return controller.signal
}
