// FrameChannel's read path, fed the way yamux feeds it once its window has grown: one
// 'message' event of many megabytes holding hundreds of frames. Regression test for
// valid bulk traffic being mistaken for bad framing (the decoder's buffer bound).
import { describe, expect, it } from 'vitest'
import type { Stream } from '@libp2p/interface'
import { FrameChannel } from '../../../daemon/p2p/frame-channel.ts'
import { encodeUint8Array, encodingLength } from 'uint8-varint'
import { MAX_FRAME_BYTES } from '../../../agp/codec/frame.ts'

function fakeStream (): Stream & EventTarget {
  const target = new EventTarget() as EventTarget & Record<string, unknown>
  Object.assign(target, { direction: 'inbound', status: 'open', readStatus: 'readable', remoteWriteStatus: 'writable' })
  return target as unknown as Stream & EventTarget
}

function prefixed (frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + encodingLength(f.length) + f.length, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const f of frames) {
    encodeUint8Array(f.length, out, at)
    at += encodingLength(f.length)
    out.set(f, at)
    at += f.length
  }
  return out
}

function messageEvent (data: Uint8Array): Event {
  return Object.assign(new Event('message'), { data })
}

describe('FrameChannel reads', () => {
  it('decodes a 16 MiB read event of valid frames without resetting', () => {
    const frames = Array.from({ length: 180 }, (_, i) => new Uint8Array(MAX_FRAME_BYTES / 11).fill(i % 251))
    const bytes = prefixed(frames)
    expect(bytes.byteLength).toBeGreaterThan(16 * 1024 * 1024)
    const got: Uint8Array[] = []
    const closes: string[] = []
    const stream = fakeStream()
    void new FrameChannel(stream, { onPayload: (p) => got.push(p), onClose: (r) => closes.push(r) })
    stream.dispatchEvent(messageEvent(bytes))
    expect(closes).toEqual([])
    expect(got.length).toBe(frames.length)
    expect(got.every((p, i) => p.length === frames[i]!.length && p[0] === i % 251)).toBe(true)
  })

  it('still refuses a single frame longer than the frame limit', () => {
    const closes: string[] = []
    const stream = fakeStream()
    Object.assign(stream, { abort: () => {} })
    void new FrameChannel(stream, { onPayload: () => {}, onClose: (r) => closes.push(r) })
    const header = new Uint8Array(encodingLength(MAX_FRAME_BYTES + 1))
    encodeUint8Array(MAX_FRAME_BYTES + 1, header, 0)
    stream.dispatchEvent(messageEvent(header))
    expect(closes.length).toBe(1)
    expect(closes[0]).toMatch(/bad framing/)
  })
})
