/**
 * libp2p's TCP transport with one socket write per event-loop turn instead of one per
 * buffer. Below Yamux and Noise every frame is its own `socket.write` — two, in fact:
 * Noise hands TCP a list of [length, ciphertext] and @libp2p/tcp writes each buffer —
 * and with TCP_NODELAY each write is a syscall and a segment that wakes the peer. A task
 * crossing a hop sends a dozen small frames per connection (stream open, protocol
 * negotiation, the request, Yamux's window update for every data frame received, the
 * replies, close), most of them in the same turn.
 *
 * Here the socket is corked at the first write of a turn and uncorked once the turn's
 * I/O callbacks have run (setImmediate): Node then hands everything written meanwhile to
 * the kernel in one writev. Nothing else changes: the bytes and their order are the
 * same, `write()`'s backpressure answer is the socket's own. A bulk send (a full
 * table's UPDATEs) is written at once, after what was corked: held back, it would only
 * fill the socket's buffer past its high-water mark and wait a turn for 'drain'.
 */
import { tcp, type TCPComponents, type TCPOptions } from '@libp2p/tcp'
import type { MultiaddrConnection, Transport, Upgrader } from '@libp2p/interface'

/** What coalescing needs of a socket (node:net's Socket). */
export interface CorkableSocket {
  readonly destroyed: boolean
  cork (): void
  uncork (): void
}

/** Runs `fn` once the current turn's I/O callbacks are done. */
export type Defer = (fn: () => void) => void

const afterIo: Defer = (fn) => { setImmediate(fn) }

/** A send this big goes out at once (node:net's default writable high-water mark). */
export const BULK_SEND_BYTES = 16 * 1024

export function coalescedTcp (init?: TCPOptions, defer: Defer = afterIo): (components: TCPComponents) => Transport {
  const base = tcp(init)
  return (components) => {
    const transport = base(components)
    const dial = transport.dial.bind(transport)
    const createListener = transport.createListener.bind(transport)
    transport.dial = async (ma, options) => await dial(ma, { ...options, upgrader: coalescingUpgrader(options.upgrader, defer) })
    transport.createListener = (options) => createListener({ ...options, upgrader: coalescingUpgrader(options.upgrader, defer) })
    return transport
  }
}

/** The upgrader, with coalesced writes on every connection it upgrades. */
function coalescingUpgrader (upgrader: Upgrader, defer: Defer): Upgrader {
  return new Proxy(upgrader, {
    get (target, prop) {
      if (prop === 'upgradeOutbound') {
        return async (maConn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeOutbound']>[1]) => await target.upgradeOutbound(coalesceWrites(maConn, defer), opts)
      }
      if (prop === 'upgradeInbound') {
        return async (maConn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeInbound']>[1]) => { await target.upgradeInbound(coalesceWrites(maConn, defer), opts) }
      }
      const value: unknown = Reflect.get(target, prop)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

/**
 * Corks the connection's socket at its first small send of a turn and uncorks it at
 * `defer` (an uncork when nothing is corked does nothing).
 * A connection without a socket of its own (not TCP) is left as it is.
 */
export function coalesceWrites<T extends MultiaddrConnection> (maConn: T, defer: Defer = afterIo): T {
  const socket = (maConn as { socket?: unknown }).socket
  if (!isCorkable(socket)) return maConn
  const send = maConn.send.bind(maConn)
  let corked = false
  const flush = (): void => {
    corked = false
    socket.uncork()
  }
  maConn.send = (data) => {
    if (data.byteLength >= BULK_SEND_BYTES) {
      if (corked) flush()
      return send(data)
    }
    if (!corked && !socket.destroyed) {
      corked = true
      socket.cork()
      defer(flush)
    }
    return send(data)
  }
  return maConn
}

function isCorkable (socket: unknown): socket is CorkableSocket {
  if (typeof socket !== 'object' || socket === null) return false
  const s = socket as Partial<Record<keyof CorkableSocket, unknown>>
  return typeof s.cork === 'function' && typeof s.uncork === 'function' && typeof s.destroyed === 'boolean'
}
