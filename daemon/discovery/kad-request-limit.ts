/**
 * A per-peer rate on inbound Kad-DHT requests. Kad-DHT answers every request a
 * connected peer sends, as fast as it sends them, and one stream can carry any number
 * of requests; the stream limit per connection bounds concurrency, not volume. Here
 * each inbound request (FIND_NODE, GET_PROVIDERS, ADD_PROVIDER, PUT_VALUE, GET_VALUE,
 * PING) spends a point of its sender's budget; past the budget the request is refused,
 * which makes Kad-DHT abort that stream, and the peer stays refused for one more window.
 *
 * Kad-DHT (@libp2p/kad-dht 16.4) has no option or hook for this: its RPC dispatcher's
 * `handleMessage` is wrapped. If a later version renames it, installing the limit
 * throws, so the daemon refuses to start with discovery on rather than run unbounded.
 */
import type { PeerId } from '@libp2p/interface'
import { RateLimiter } from '@libp2p/utils'

/** Discovery asks a few questions a minute; a peer's routing-table refresh a few dozen. */
export const KAD_REQUESTS_PER_PEER = 200
export const KAD_REQUEST_WINDOW_S = 10

export interface KadRequestLimitInit {
  readonly requestsPerPeer?: number
  readonly windowS?: number
  /** Called for each refused request (the count of refusals in this process so far). */
  readonly onRefused?: (peer: string, refused: number) => void
}

export interface KadRequestLimit {
  /** Requests refused so far. */
  refused (): number
}

export class KadRequestLimitError extends Error {
  readonly code = 'ERR_KAD_REQUEST_RATE'
}

interface KadRpc {
  handleMessage: (peerId: PeerId, msg: unknown) => Promise<unknown>
}

function rpcOf (dht: unknown): KadRpc {
  const rpc = (dht as { rpc?: Partial<KadRpc> } | undefined)?.rpc
  if (rpc == null || typeof rpc.handleMessage !== 'function') {
    throw new KadRequestLimitError('this @libp2p/kad-dht has no rpc.handleMessage: cannot bound inbound requests per peer')
  }
  return rpc as KadRpc
}

/** Installs the limit on a Kad-DHT service instance (before or after it starts). */
export function limitKadRequests (dht: unknown, init: KadRequestLimitInit = {}): KadRequestLimit {
  const rpc = rpcOf(dht)
  const windowS = init.windowS ?? KAD_REQUEST_WINDOW_S
  // Entries expire with their window, so the limiter holds at most the peers heard from
  // in the last two windows (and those are bounded by the connection limit).
  const limiter = new RateLimiter({ points: init.requestsPerPeer ?? KAD_REQUESTS_PER_PEER, duration: windowS, blockDuration: windowS, keyPrefix: '' })
  const handle = rpc.handleMessage.bind(rpc)
  let refused = 0
  rpc.handleMessage = async (peerId: PeerId, msg: unknown): Promise<unknown> => {
    const peer = peerId.toString()
    try {
      limiter.consume(peer)
    } catch {
      refused++
      init.onRefused?.(peer, refused)
      throw new KadRequestLimitError(`peer ${peer} is over its Kad-DHT request rate`)
    }
    return await handle(peerId, msg)
  }
  return { refused: () => refused }
}
