/**
 * Yamux window updates on a long-lived stream only once half the receive window is
 * used, as the Go implementation sends them, instead of one per data frame received.
 * @chainsafe/libp2p-yamux 8 answers every data frame with a window-update frame of its
 * own (YamuxStream.handleData → sendWindowUpdate): on a stream of small frames (task
 * requests and replies) that is a second write, and a wake-up of the peer, for nothing
 * (the peer's window was nowhere near empty).
 *
 * Flow control is unchanged in what it guarantees: the peer may still send at most the
 * window we granted; the update comes when at least half of it is used, so a peer never
 * waits for one while it has half a window left. The frames that change a stream's
 * state (the ACK of an inbound stream) still go out at once.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** What this reads of a YamuxStream beyond its declared interface (present in 8.x). */
interface ReceiveWindow {
  recvWindow: number
  recvWindowCapacity: number
}

/** Makes `stream` send lazy window updates; false (and nothing changed) when it is not a Yamux stream. */
export function lazyWindowUpdates (stream: unknown): boolean {
  if (!(stream instanceof YamuxStream)) return false
  const window = stream as unknown as Partial<ReceiveWindow>
  if (typeof window.recvWindow !== 'number' || typeof window.recvWindowCapacity !== 'number') return false
  const eager = stream.sendWindowUpdate.bind(stream)
  stream.sendWindowUpdate = () => {
    const w = stream as unknown as ReceiveWindow
    if (stream.state === StreamState.Established && w.recvWindowCapacity > w.recvWindow / 2) return
    eager()
  }
  return true
}
