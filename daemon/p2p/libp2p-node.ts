/**
 * The libp2p node of a daemon: TCP (one socket write per event-loop turn:
 * ./coalesced-tcp.ts) + Noise + Yamux + Identify + Ping, and Kad-DHT on
 * our own protocol only when discovery is configured (the defaults drop
 * private addresses and stay in client mode, and a custom protocol keeps the node out
 * of the public IPFS DHT), with a per-peer rate on its inbound requests.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import type { Datastore } from 'interface-datastore'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { coalescedTcp } from './coalesced-tcp.ts'
import { limitKadRequests, type KadRequestLimitInit } from '../discovery/kad-request-limit.ts'

type ConnectionMonitorInit = NonNullable<Libp2pOptions['connectionMonitor']>

export const KAD_PROTOCOL = '/atp/kad/1.0.0'
/** Parallel inbound Kad-DHT streams per connection: discovery asks a few questions, never many. */
export const KAD_MAX_INBOUND_STREAMS = 4

export interface Libp2pNodeInit {
  readonly privateKey: Ed25519PrivateKey
  readonly listen: readonly string[]
  /** Enables Kad-DHT (server mode, loopback-capable). */
  readonly dht: boolean
  /** Where libp2p and Kad-DHT keep records (default: libp2p's unbounded memory store). */
  readonly datastore?: Datastore
  readonly maxConnections?: number
  /** The AGP hold time: connection liveness is its call (connectionMonitorInit). */
  readonly holdTimeS: number
  /** The per-peer rate on inbound Kad-DHT requests (with `dht`). */
  readonly kadRequestLimit?: KadRequestLimitInit
}

/**
 * libp2p's connection monitor pings every connection and, by default, aborts it after
 * a few seconds without an answer — any GC pause or busy turn then resets every session
 * however long the configured hold time. Here the AGP hold timer decides liveness
 * (RFC 4271 §4.4): the monitor still pings (round-trip times) at a third of the hold
 * time, never aborts; with hold time 0 (no hold timer) it is off.
 */
export function connectionMonitorInit (holdTimeS: number): ConnectionMonitorInit {
  if (holdTimeS <= 0) return { enabled: false }
  return { enabled: true, pingInterval: Math.max(1000, Math.round(holdTimeS * 1000 / 3)), abortConnectionOnPingFailure: false }
}

/**
 * Yamux flow control and libp2p's read buffer must agree. A paused stream (the event
 * loop is full) stops granting window, but the peer may still send what its window
 * allows; those bytes wait in the stream's read buffer, and past maxReadBufferLength the
 * stream is aborted. Yamux's defaults (window up to 16 MiB, buffer 4 MiB) reset bulk
 * sessions exactly when backpressure works ("Read buffer length of 6835502 exceeded
 * limit of 4194304, read status is paused", seen at 100,000 routes). The buffer holds
 * twice the largest window; a 4 MiB window still fills loopback and LAN links.
 */
export const YAMUX_MAX_STREAM_WINDOW_BYTES = 4 * 1024 * 1024
export const STREAM_MAX_READ_BUFFER_BYTES = 2 * YAMUX_MAX_STREAM_WINDOW_BYTES

export async function createLibp2pNode (init: Libp2pNodeInit): Promise<Libp2p> {
  // Loaded only when used: it is a tenth of the daemon's start time.
  const kad = init.dht ? await import('@libp2p/kad-dht') : undefined
  const services = {
    identify: identify(),
    ping: ping(),
    ...(kad !== undefined ? { dht: kad.kadDHT({ protocol: KAD_PROTOCOL, clientMode: false, peerInfoMapper: kad.passthroughMapper, maxInboundStreams: KAD_MAX_INBOUND_STREAMS }) } : {})
  }
  const node = await createLibp2p({
    privateKey: init.privateKey,
    ...(init.datastore !== undefined ? { datastore: init.datastore } : {}),
    addresses: { listen: [...init.listen] },
    transports: [coalescedTcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: YAMUX_MAX_STREAM_WINDOW_BYTES, maxReadBufferLength: STREAM_MAX_READ_BUFFER_BYTES } })],
    connectionManager: { maxConnections: init.maxConnections ?? 300 },
    connectionMonitor: connectionMonitorInit(init.holdTimeS),
    services,
    start: false
  })
  if (kad !== undefined) limitKadRequests((node.services as { dht?: unknown }).dht, init.kadRequestLimit)
  return node
}
