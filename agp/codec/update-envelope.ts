/**
 * The envelope of an UPDATE frame as senders write it: Frame { version = 1; update = 4
 * { announces = 1 …; withdraws = 2 …; refreshes = 3 … } }. Scanning it finds where each announce's
 * WireRoute encoding sits in the frame, which the generated decoder does not tell: a
 * receiver can then keep a route's bytes as they came (its Adj-RIB-In record) instead of
 * encoding the route again.
 *
 * Only the plain layout is scanned: version and update each at most once with their
 * proto3 wire types, nothing else at either level, every length inside its message.
 * Anything else (another body, a repeated or unknown field, a long varint) is not an
 * error here: the scan answers undefined and the caller decodes the frame the generic
 * way, so what is accepted or refused never depends on this path.
 */

export interface UpdateEnvelope {
  /** Frame.version; 0 when absent (proto3's default). */
  readonly version: number
  /** Each announce's WireRoute encoding, in order: views into the scanned bytes. */
  readonly announces: readonly Uint8Array[]
  /** Each withdraw's encoding, in order: views into the scanned bytes. */
  readonly withdraws: readonly Uint8Array[]
  /** Each batch refresh's encoding, in order: views into the scanned bytes. */
  readonly refreshes: readonly Uint8Array[]
}

const VARINT = 0
const LENGTH_DELIMITED = 2
const FRAME_VERSION = 1
const FRAME_UPDATE = 4
const UPDATE_ANNOUNCE = 1
const UPDATE_WITHDRAW = 2
const UPDATE_REFRESH = 3
// Varints of at most 4 bytes (< 2^28): every tag, length and version of a frame within
// MAX_FRAME_BYTES. A longer one (legal, just never written) goes the generic way.
const MAX_VARINT_BYTES = 4

/** The envelope of `bytes` when it is a plainly laid out UPDATE frame; otherwise undefined. */
export function scanUpdateEnvelope (bytes: Uint8Array): UpdateEnvelope | undefined {
  const at = { pos: 0 }
  let version = 0
  let sawVersion = false
  let body: { start: number, end: number } | undefined
  while (at.pos < bytes.length) {
    const tag = readVarint(bytes, at)
    if (tag === undefined) return undefined
    const field = tag >>> 3
    const wireType = tag & 7
    if (field === FRAME_VERSION && wireType === VARINT && !sawVersion) {
      const v = readVarint(bytes, at)
      if (v === undefined) return undefined
      version = v
      sawVersion = true
    } else if (field === FRAME_UPDATE && wireType === LENGTH_DELIMITED && body === undefined) {
      body = readLength(bytes, at, bytes.length)
      if (body === undefined) return undefined
    } else {
      return undefined
    }
  }
  if (body === undefined) return undefined
  const announces: Uint8Array[] = []
  const withdraws: Uint8Array[] = []
  const refreshes: Uint8Array[] = []
  const lists: Record<number, Uint8Array[]> = { [UPDATE_ANNOUNCE]: announces, [UPDATE_WITHDRAW]: withdraws, [UPDATE_REFRESH]: refreshes }
  at.pos = body.start
  while (at.pos < body.end) {
    const tag = readVarint(bytes, at)
    if (tag === undefined || (tag & 7) !== LENGTH_DELIMITED) return undefined
    const list = lists[tag >>> 3]
    if (list === undefined) return undefined
    const entry = readLength(bytes, at, body.end)
    if (entry === undefined) return undefined
    list.push(bytes.subarray(entry.start, entry.end))
  }
  return { version, announces, withdraws, refreshes }
}

function readVarint (bytes: Uint8Array, at: { pos: number }): number | undefined {
  let value = 0
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (at.pos >= bytes.length) return undefined
    const b = bytes[at.pos++] as number
    value |= (b & 0x7f) << (7 * i)
    if (b < 0x80) return value
  }
  return undefined
}

/** A length-delimited field's content range, which must end by `limit`. */
function readLength (bytes: Uint8Array, at: { pos: number }, limit: number): { start: number, end: number } | undefined {
  const n = readVarint(bytes, at)
  if (n === undefined || at.pos + n > limit) return undefined
  const start = at.pos
  at.pos += n
  return { start, end: at.pos }
}
