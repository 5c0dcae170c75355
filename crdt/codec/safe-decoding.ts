/**
 * Bounded readers over lib0's decoder. lib0's own readVarUint8Array trusts the
 * length prefix (a subarray past the end of a sliced buffer reads foreign bytes), so
 * every length is checked against a limit and the bytes left before reading.
 */
import * as decoding from 'lib0/decoding'
import { NAMESPACE_ID_PATTERN, ORG_ID_PATTERN, PEER_ID_PATTERN } from '../../kernel/index.ts'
import { MemoryBoundError, MemoryDecodeError } from '../errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function readUint (d: decoding.Decoder, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!decoding.hasContent(d)) throw new MemoryDecodeError(`truncated before ${what}`)
  let n: number
  try { n = decoding.readVarUint(d) } catch (err) { throw new MemoryDecodeError(`bad varint for ${what}`, { cause: err }) }
  if (!Number.isSafeInteger(n) || n > max) throw new MemoryDecodeError(`${what} out of range (${n} > ${max})`)
  return n
}

/** A length, count or size: past `max` it is a MemoryBoundError (too much, not garbage). */
export function readBound (d: decoding.Decoder, what: string, max: number): number {
  const n = readUint(d, what)
  if (n > max) throw new MemoryBoundError(`${what} out of range (${n} > ${max})`)
  return n
}

/** The bytes as a copy of their own: the decoder's buffer may be reused. */
export function readBytes (d: decoding.Decoder, what: string, maxLen: number): Uint8Array {
  const at = bytesAt(d, what, maxLen)
  return d.arr.slice(at, d.pos)
}

/** readBytes without the copy: a view into the decoder's buffer, for a buffer the caller owns for good. */
export function readBytesView (d: decoding.Decoder, what: string, maxLen: number): Uint8Array {
  const at = bytesAt(d, what, maxLen)
  return d.arr.subarray(at, d.pos)
}

/** Reads a length, checks it against `maxLen` and the bytes left, and steps over the bytes: where they start. */
function bytesAt (d: decoding.Decoder, what: string, maxLen: number): number {
  const len = readBound(d, `${what} length`, maxLen)
  if (d.pos + len > d.arr.length) throw new MemoryDecodeError(`truncated ${what}: ${len} bytes announced, ${d.arr.length - d.pos} left`)
  const at = d.pos
  d.pos += len
  return at
}

export function readString (d: decoding.Decoder, what: string, maxBytes: number, pattern?: RegExp): string {
  const bytes = readBytes(d, what, maxBytes)
  let s: string
  try { s = utf8.decode(bytes) } catch (err) { throw new MemoryDecodeError(`${what} is not UTF-8`, { cause: err }) }
  if (pattern !== undefined && !pattern.test(s)) throw new MemoryDecodeError(`${what} "${s.slice(0, 64)}" does not match ${String(pattern)}`)
  return s
}

/**
 * The last few strings a reader decoded, by their bytes. Envelopes of one message
 * repeat the same namespace, org and peer ids over and over: a hit skips the copy, the
 * UTF-8 decoding and the pattern test (every string in the memo passed its pattern).
 * Bounded and deterministic: it changes the cost of a read, never its result.
 */
export class StringMemo {
  private readonly bytes: Array<Uint8Array | undefined>
  private readonly strings: string[]
  private next = 0
  constructor (private readonly pattern: RegExp, size = 8) {
    this.bytes = new Array<Uint8Array | undefined>(size).fill(undefined)
    this.strings = new Array<string>(size).fill('')
  }

  read (d: decoding.Decoder, what: string, maxBytes: number): string {
    const start = d.pos
    const len = readBound(d, `${what} length`, maxBytes)
    if (d.pos + len > d.arr.length) throw new MemoryDecodeError(`truncated ${what}: ${len} bytes announced, ${d.arr.length - d.pos} left`)
    const at = d.pos
    for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i]
      if (b !== undefined && b.length === len && sameAt(d.arr, at, b)) { d.pos = at + len; return this.strings[i] as string }
    }
    d.pos = start
    const s = readString(d, what, maxBytes, this.pattern)
    this.bytes[this.next] = d.arr.slice(at, at + len)
    this.strings[this.next] = s
    this.next = (this.next + 1) % this.bytes.length
    return s
  }
}

function sameAt (arr: Uint8Array, at: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (arr[at + i] !== b[i]) return false
  return true
}

export function expectEnd (d: decoding.Decoder, what: string): void {
  if (decoding.hasContent(d)) throw new MemoryDecodeError(`${d.arr.length - d.pos} trailing bytes after ${what}`)
}

/** Runs a decoder body; anything that is not already a MemoryDecodeError becomes one. */
export function decodeGuarded<T> (what: string, bytes: Uint8Array, maxBytes: number, body: (d: decoding.Decoder) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new MemoryDecodeError(`${what}: not bytes`)
  if (bytes.length > maxBytes) throw new MemoryBoundError(`${what}: ${bytes.length} bytes exceeds limit ${maxBytes}`)
  try {
    const d = decoding.createDecoder(bytes)
    const out = body(d)
    expectEnd(d, what)
    return out
  } catch (err) {
    if (err instanceof MemoryDecodeError) throw err
    throw new MemoryDecodeError(`${what}: ${(err as Error).message}`, { cause: err })
  }
}

/** Grammar shared by the envelope and the sync messages: the kernel's identifier rules. */
export const NAMESPACE_RE = NAMESPACE_ID_PATTERN
export const ORG_RE = ORG_ID_PATTERN
export const PEER_ID_RE = PEER_ID_PATTERN
