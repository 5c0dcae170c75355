import { Duplex } from 'node:stream'
import type { MultiaddrConnection } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { BULK_SEND_BYTES, coalesceWrites } from '../../../daemon/p2p/coalesced-tcp.ts'

/** A socket that records what reaches "the kernel": one entry per write or writev. */
class RecordingSocket extends Duplex {
  readonly syscalls: Buffer[][] = []
  override _write (chunk: Buffer, _enc: BufferEncoding, done: () => void): void { this.syscalls.push([chunk]); done() }
  override _writev (chunks: Array<{ chunk: Buffer }>, done: () => void): void { this.syscalls.push(chunks.map((c) => c.chunk)); done() }
  override _read (): void {}
}

/** A connection like @libp2p/tcp's: send() writes each buffer of the list to its socket. */
function connection (socket: RecordingSocket): MultiaddrConnection {
  return {
    socket,
    send (data: Uint8Array | Iterable<Uint8Array>) {
      let more = true
      for (const buf of data instanceof Uint8Array ? [data] : data) more = socket.write(buf)
      return more
    }
  } as unknown as MultiaddrConnection
}

/** A hand-run turn boundary: what coalesceWrites defers runs at flush(). */
function manualTurn (): { defer: (fn: () => void) => void, flush: () => void } {
  const queue: Array<() => void> = []
  return { defer: (fn) => { queue.push(fn) }, flush: () => { for (const fn of queue.splice(0)) fn() } }
}

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs)

describe('coalesceWrites', () => {
  it('hands everything sent in one turn to the socket as one write, in order', () => {
    const socket = new RecordingSocket()
    const turn = manualTurn()
    const conn = coalesceWrites(connection(socket), turn.defer)
    conn.send(bytes(1))
    conn.send([bytes(2, 3), bytes(4)] as unknown as Uint8Array)
    conn.send(bytes(5))
    expect(socket.syscalls).toEqual([])
    turn.flush()
    expect(socket.syscalls).toHaveLength(1)
    expect(Buffer.concat(socket.syscalls[0] ?? [])).toEqual(Buffer.from([1, 2, 3, 4, 5]))
  })

  it('corks again in the next turn', () => {
    const socket = new RecordingSocket()
    const turn = manualTurn()
    const conn = coalesceWrites(connection(socket), turn.defer)
    conn.send(bytes(1))
    conn.send(bytes(2))
    turn.flush()
    conn.send(bytes(3))
    conn.send(bytes(4))
    turn.flush()
    expect(socket.syscalls.map((w) => [...Buffer.concat(w)])).toEqual([[1, 2], [3, 4]])
  })

  it('keeps the socket\'s backpressure answer: past its high-water mark send() says wait', () => {
    const socket = new RecordingSocket({ writableHighWaterMark: 4 })
    const turn = manualTurn()
    const conn = coalesceWrites(connection(socket), turn.defer)
    expect(conn.send(bytes(1, 2))).toBe(true)
    expect(conn.send(bytes(3, 4, 5))).toBe(false)
    turn.flush()
    expect(Buffer.concat(socket.syscalls[0] ?? [])).toEqual(Buffer.from([1, 2, 3, 4, 5]))
  })

  it('writes a bulk send at once, after what was corked before it', () => {
    const socket = new RecordingSocket({ writableHighWaterMark: 4 * BULK_SEND_BYTES })
    const turn = manualTurn()
    const conn = coalesceWrites(connection(socket), turn.defer)
    const big = new Uint8Array(BULK_SEND_BYTES).fill(9)
    conn.send(bytes(1))
    conn.send(big)
    expect(socket.syscalls.map((w) => Buffer.concat(w).byteLength)).toEqual([1, BULK_SEND_BYTES])
    conn.send(bytes(2))
    turn.flush()
    expect(socket.syscalls.map((w) => Buffer.concat(w).byteLength)).toEqual([1, BULK_SEND_BYTES, 1])
  })

  it('leaves a connection without a socket of its own as it is', () => {
    const send = (): boolean => true
    const conn = { send } as unknown as MultiaddrConnection
    expect(coalesceWrites(conn).send).toBe(send)
  })
})
