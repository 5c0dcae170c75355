// findAddrs over a fake libp2p and fake timers: a lookup that finds nothing yet (this
// node has not reached its bootstrap peer, or the peer has not announced itself to it)
// is tried again within the caller's time instead of failing the dial at once.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDhtDiscovery, DiscoveryError } from '../../../daemon/discovery/dht-discovery.ts'
import { KAD_PROTOCOL } from '../../../daemon/p2p/libp2p-node.ts'

const logger = pino({ level: 'silent' })

async function peerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

interface FakeNet {
  /** Bootstrap dials fail until this is true. */
  bootstrapUp: boolean
  /** Lookups answer NotFound until this is true. */
  announced: boolean
  /** Whether identify reports the DHT protocol for a new bootstrap connection. */
  identifies: boolean
  /** Whether the DHT's ping of an identified new contact answers (it then enters the routing table). */
  pingsAnswer: boolean
  /** Peers in the DHT's routing table. */
  table: Set<string>
  lookups: number
  hangUps: number
  /** Protocols identify reported per peer (the peer store's view). */
  protocols: Map<string, string[]>
}

function fakeNet (init: Partial<FakeNet> = {}): FakeNet {
  return { bootstrapUp: true, announced: false, identifies: true, pingsAnswer: true, table: new Set(), lookups: 0, hangUps: 0, protocols: new Map(), ...init }
}

function fakeLibp2p (self: string, target: Multiaddr, net: FakeNet): Libp2p {
  const events = new EventTarget()
  const fake = {
    peerId: { toString: () => self },
    services: { dht: { routingTable: { get size () { return net.table.size } } } },
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dial: async (addr: Multiaddr) => {
      if (!net.bootstrapUp) throw new Error('connection refused')
      const remotePeer = peerIdFromString(addr.getComponents().find((c) => c.name === 'p2p')?.value ?? '')
      if (net.identifies) {
        // identify answers after the dial resolved, as libp2p's does
        setTimeout(() => {
          net.protocols.set(remotePeer.toString(), [KAD_PROTOCOL])
          events.dispatchEvent(new CustomEvent('peer:identify', { detail: { peerId: remotePeer, protocols: [KAD_PROTOCOL] } }))
          // then the DHT pings the new contact, once, and enters it only if that answers
          setTimeout(() => { if (net.pingsAnswer) net.table.add(remotePeer.toString()) }, 50)
        }, 50)
      }
      return { remotePeer }
    },
    hangUp: async (peer: { toString: () => string }) => {
      net.hangUps++
      net.protocols.delete(peer.toString())
    },
    peerStore: {
      get: async (peer: { toString: () => string }) => {
        const protocols = net.protocols.get(peer.toString())
        if (protocols === undefined) throw new Error('not found')
        return { protocols, addresses: [] }
      }
    },
    peerRouting: {
      findPeer: async () => {
        net.lookups++
        if (!net.announced) throw new Error('NotFoundError: peer not found')
        return { multiaddrs: [target] }
      }
    }
  }
  return fake as unknown as Libp2p
}

describe('DHT discovery: findAddrs', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('keeps looking within the caller\'s time while the bootstrap is down and the peer not yet announced', async () => {
    const [self, boot, target] = await Promise.all([peerId(), peerId(), peerId()])
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${target}`)
    const net = fakeNet({ bootstrapUp: false })
    const d = createDhtDiscovery({ libp2p: fakeLibp2p(self, addr, net), logger }, {
      federation: 'fed', bootstrap: [`/ip4/127.0.0.1/tcp/4000/p2p/${boot}`], announce: false, retryMs: 2_000, lookupRetryMs: 1_000
    })
    await d.start()
    const controller = new AbortController()
    const found = d.findAddrs(target, { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(3_000)
    expect(d.isReady()).toBe(false)
    expect(net.lookups).toBe(0) // nothing to ask before a bootstrap peer answered

    net.bootstrapUp = true
    await vi.advanceTimersByTimeAsync(2_000) // the join's retry
    expect(d.isReady()).toBe(true)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(net.lookups).toBeGreaterThan(0) // asked, not there yet

    net.announced = true
    await vi.advanceTimersByTimeAsync(1_000)
    await expect(found).resolves.toEqual([addr])
    await d.stop()
  })

  it('gives up with a DiscoveryError naming the peer when the caller\'s time runs out', async () => {
    const [self, boot, target] = await Promise.all([peerId(), peerId(), peerId()])
    const net = fakeNet()
    const d = createDhtDiscovery({ libp2p: fakeLibp2p(self, multiaddr('/ip4/127.0.0.1/tcp/1'), net), logger }, {
      federation: 'fed', bootstrap: [`/ip4/127.0.0.1/tcp/4000/p2p/${boot}`], announce: false, lookupRetryMs: 1_000
    })
    await d.start()
    await vi.advanceTimersByTimeAsync(0)
    const controller = new AbortController()
    const found = d.findAddrs(target, { signal: controller.signal })
    const outcome = expect(found).rejects.toThrow(DiscoveryError)
    await vi.advanceTimersByTimeAsync(4_500)
    const lookupsBefore = net.lookups
    expect(lookupsBefore).toBeGreaterThanOrEqual(4) // about one per lookupRetryMs, bounded
    expect(lookupsBefore).toBeLessThanOrEqual(6)
    controller.abort()
    await outcome
    await expect(found).rejects.toThrow(target)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(net.lookups).toBe(lookupsBefore) // nothing left running for the abandoned call
    await d.stop()
  })

  // Either step of entering a new contact in the DHT can fail, once per connection and
  // never retried: identify (the protocols), then the DHT's own ping of the contact. Until
  // both succeeded the routing table is empty and a lookup would wait for a peer forever,
  // so none is made, and a new connection runs both again.
  it.each([
    { step: 'identify has not shown the bootstrap peer speaks the DHT', fails: { identifies: false }, heals: (net: FakeNet) => { net.identifies = true } },
    { step: 'the bootstrap peer is not in the DHT routing table', fails: { pingsAnswer: false }, heals: (net: FakeNet) => { net.pingsAnswer = true } }
  ])('is not ready while $step: it reconnects until it is', async ({ fails, heals }) => {
    const [self, boot, target] = await Promise.all([peerId(), peerId(), peerId()])
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${target}`)
    const net = fakeNet({ ...fails, announced: true })
    const d = createDhtDiscovery({ libp2p: fakeLibp2p(self, addr, net), logger }, {
      federation: 'fed', bootstrap: [`/ip4/127.0.0.1/tcp/4000/p2p/${boot}`], announce: false, retryMs: 2_000, lookupTimeoutMs: 5_000
    })
    await d.start()
    await vi.advanceTimersByTimeAsync(6_000)
    expect(d.isReady()).toBe(false)
    expect(net.hangUps).toBe(1)
    expect(net.lookups).toBe(0)
    heals(net)
    await vi.advanceTimersByTimeAsync(3_000)
    expect(d.isReady()).toBe(true)
    await expect(d.findAddrs(target)).resolves.toEqual([addr])
    await d.stop()
  })

  it('stop ends a waiting call at once', async () => {
    const [self, target] = await Promise.all([peerId(), peerId()])
    const net = fakeNet({ bootstrapUp: false })
    const d = createDhtDiscovery({ libp2p: fakeLibp2p(self, multiaddr('/ip4/127.0.0.1/tcp/1'), net), logger }, {
      federation: 'fed', bootstrap: [`/ip4/127.0.0.1/tcp/4000/p2p/${await peerId()}`], announce: false
    })
    await d.start()
    const found = d.findAddrs(target)
    const outcome = expect(found).rejects.toThrow(DiscoveryError)
    await vi.advanceTimersByTimeAsync(1_500)
    await d.stop()
    await outcome
  })
})
