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
    void new FrameChannel(stream, { onPayload: (p) => { got.push(p) }, onClose: (r) => closes.push(r) })
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

  it('holds what a full receiver refused and delivers it, in order and once, when resumed', () => {
    const frames = Array.from({ length: 600 }, (_, i) => new Uint8Array(5000).fill(i % 251))
    const bytes = prefixed(frames)
    const got: number[] = []
    const closes: string[] = []
    let room = 100
    const stream = fakeStream()
    let paused = 0
    Object.assign(stream, { pause: () => { paused++; Object.assign(stream, { readStatus: 'paused' }) }, resume: () => { Object.assign(stream, { readStatus: 'readable' }) } })
    const ch = new FrameChannel(stream, {
      onPayload: (p) => { if (room === 0) return false; room--; got.push(p[0] ?? -1); return true },
      onClose: (r) => closes.push(r)
    })
    // One big read, then two more arriving after the stream was asked to pause.
    stream.dispatchEvent(messageEvent(bytes.subarray(0, 2_000_000)))
    stream.dispatchEvent(messageEvent(bytes.subarray(2_000_000, 2_500_000)))
    stream.dispatchEvent(messageEvent(bytes.subarray(2_500_000)))
    expect(got.length).toBe(100)
    expect(paused).toBe(1)
    expect(ch.heldInBytes).toBeGreaterThan(0)
    room = 250
    ch.resume()
    expect(got.length).toBe(350)
    room = Infinity
    ch.resume()
    expect(closes).toEqual([])
    expect(ch.heldInBytes).toBe(0)
    expect(got).toEqual(frames.map((_, i) => i % 251))
  })

  it('resets a peer that keeps sending far past what it may while reads are held', () => {
    const closes: string[] = []
    const stream = fakeStream()
    Object.assign(stream, { abort: () => {}, pause: () => {} })
    void new FrameChannel(stream, { onPayload: () => false, onClose: (r) => closes.push(r), maxHeldBytes: 1_000_000 })
    const chunk = prefixed(Array.from({ length: 100 }, () => new Uint8Array(5000)))
    for (let i = 0; i < 3 && closes.length === 0; i++) stream.dispatchEvent(messageEvent(chunk))
    expect(closes).toHaveLength(1)
    expect(closes[0]).toMatch(/inbound backlog overflow/)
  })
})
