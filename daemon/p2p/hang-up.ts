/**
 * Hanging up on a peer: a NOTIFICATION Cease then a close (a session we end, a stream we
 * refuse), a wait until a refused peer has read why, and a connection close that turns
 * into an abort when the remote does not finish in time.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { type CeaseSubcode, encodeFrame, NotificationCode } from '../../agp/index.ts'
import { FrameChannel } from './frame-channel.ts'

/** Sends NOTIFICATION Cease/subcode on a bare stream and closes it. */
export async function closeWith (stream: Stream, subcode: CeaseSubcode, text: string): Promise<void> {
  const ch = new FrameChannel(stream, { onPayload: () => {}, onClose: () => {} })
  await closeChannelWith(ch, subcode, text)
}

export async function closeChannelWith (ch: FrameChannel, subcode: CeaseSubcode, text: string): Promise<void> {
  ch.enqueue([encodeFrame({ type: 'notification', code: NotificationCode.Cease, subcode, text })])
  await ch.close(2000)
}

export const HANG_UP_TIMEOUT_MS = 10_000
/** How long a refused peer has to read its NOTIFICATION before its connection goes. */
export const STRANGER_READ_GRACE_MS = 5_000

/**
 * Resolves once the remote has closed its end of the stream (it read what we sent and is
 * done), or after `graceMs`. Closing the connection right after our own stream close made
 * a real libp2p peer's dial fail with an EOF before it had read the protocol answer or the
 * NOTIFICATION: the refused peer must be able to learn why it was refused.
 */
export async function remoteClosed (stream: Stream, graceMs: number): Promise<void> {
  if (stream.remoteWriteStatus === 'closed' || stream.status !== 'open') return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('remoteCloseWrite', done)
      stream.removeEventListener('close', done)
      resolve()
    }
    const timer = setTimeout(done, graceMs)
    stream.addEventListener('remoteCloseWrite', done)
    stream.addEventListener('close', done)
  })
}

/**
 * Closes a connection (what was queued is sent first), aborting it if that takes more
 * than HANG_UP_TIMEOUT_MS. A graceful close waits for the remote to close its streams; an
 * abort sends a reset that discards what it has not read yet (the NOTIFICATION itself),
 * so the grace must outlast a busy remote.
 */
export async function hangUp (connection: Connection): Promise<void> {
  try {
    await connection.close({ signal: AbortSignal.timeout(HANG_UP_TIMEOUT_MS) })
  } catch (err) {
    try { connection.abort(err instanceof Error ? err : new Error(String(err))) } catch { /* already gone */ }
  }
}
