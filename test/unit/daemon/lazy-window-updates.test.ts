import type { FrameHeader } from '@chainsafe/libp2p-yamux'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { defaultLogger } from '@libp2p/logger'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { lazyWindowUpdates } from '../../../daemon/p2p/lazy-window-updates.ts'

const WINDOW_BYTES = 256 * 1024
/** Yamux frame types (the spec's numbers; the package exports them as types only). */
const FrameType = { Data: 0, WindowUpdate: 1 } as const

/** An established Yamux stream whose outgoing frames are recorded, and a way to feed it data frames. */
function stream (): { s: YamuxStream, updates: FrameHeader[], receive: (bytes: number) => void } {
  const updates: FrameHeader[] = []
  const s = new YamuxStream({
    id: '1', streamId: 1, state: StreamState.Established, direction: 'inbound',
    log: defaultLogger().forComponent('test:yamux'),
    initialStreamWindowSize: WINDOW_BYTES,
    getRTT: () => -1,
    sendFrame: (header) => { if (header.type === FrameType.WindowUpdate) updates.push(header); return true }
  })
  const receive = (bytes: number): void => {
    // Yamux's own copy of uint8arraylist: the same class at runtime, another type.
    const data = new Uint8ArrayList(new Uint8Array(bytes)) as unknown as NonNullable<Parameters<YamuxStream['handleData']>[0]['data']>
    s.handleData({ header: { type: FrameType.Data, flag: 0, streamID: 1, length: bytes }, data })
  }
  return { s, updates, receive }
}

describe('lazyWindowUpdates', () => {
  it('as shipped, Yamux answers every data frame with a window update', () => {
    const { updates, receive } = stream()
    for (let i = 0; i < 10; i++) receive(1000)
    expect(updates).toHaveLength(10)
  })

  it('sends none while less than half the window is used, then one that restores it all', () => {
    const { s, updates, receive } = stream()
    expect(lazyWindowUpdates(s)).toBe(true)
    const frames = Math.floor(WINDOW_BYTES / 2 / 1000)
    for (let i = 0; i < frames; i++) receive(1000)
    expect(updates).toEqual([])
    receive(1000)
    expect(updates).toEqual([expect.objectContaining({ type: FrameType.WindowUpdate, flag: 0, length: (frames + 1) * 1000 })])
  })

  it('leaves what is not a Yamux stream alone', () => {
    const other = { sendWindowUpdate: () => {} }
    expect(lazyWindowUpdates(other)).toBe(false)
    expect(lazyWindowUpdates(undefined)).toBe(false)
  })
})
