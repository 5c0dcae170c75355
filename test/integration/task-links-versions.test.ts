// Many-task streams (/atp/task/1.1.0) against a neighbor of an earlier version, which
// speaks only /atp/task/1.0.0, one task per stream, and knows nothing of channels: the
// daemon's task links fall back to a stream per task, over real libp2p on 127.0.0.1.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  A2A_TASK_COMPLETED, DEFAULT_MAX_TASK_FRAME_BYTES, decodeTaskFrame, encodeTaskFrame, TASK_MUX_PROTOCOL, TASK_PROTOCOL
} from '../../agp/index.ts'
import type { TaskReply } from '../../daemon/dataplane/task-leg.ts'
import { TaskLinks } from '../../daemon/dataplane/task-links.ts'
import { createLibp2pNode } from '../../daemon/p2p/libp2p-node.ts'
import { FrameChannel } from '../../daemon/p2p/frame-channel.ts'
import { taskRequest } from '../helpers/task-wire.ts'

const MAX = DEFAULT_MAX_TASK_FRAME_BYTES

async function node (): Promise<Libp2p> {
  const n = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], dht: false, holdTimeS: 90 })
  await n.start()
  return n
}

/**
 * An older daemon's side: reads the stream's one request, answers `end` naming the task
 * (frames without a channel: it writes none), then closes the stream. Counts streams.
 */
function serveOneTaskPerStream (n: Libp2p, seen: { streams: number, taskIds: string[] }): Promise<void> {
  return n.handle(TASK_PROTOCOL, (stream: Stream) => {
    seen.streams++
    let answered = false
    const ch: FrameChannel = new FrameChannel(stream, {
      maxFrameBytes: MAX,
      onPayload: (bytes) => {
        const d = decodeTaskFrame(bytes, MAX)
        if (!d.ok || d.value.type !== 'request' || answered) { ch.reset(new Error('not what an older daemon expects')); return }
        answered = true
        seen.taskIds.push(d.value.taskId)
        // What a daemon without channels writes: no channel field at all.
        ch.enqueue([encodeTaskFrame({ type: 'end', agentLatencyMs: 1, costUsd: 0, finalState: A2A_TASK_COMPLETED }, MAX)])
        void ch.close()
      },
      onClose: () => {}
    })
  })
}

describe('task links across versions', () => {
  let consumer: Libp2p
  let older: Libp2p
  const seen = { streams: 0, taskIds: [] as string[] }

  beforeAll(async () => {
    consumer = await node()
    older = await node()
    await serveOneTaskPerStream(older, seen)
    await consumer.peerStore.merge(older.peerId, { multiaddrs: older.getMultiaddrs() })
  })
  afterAll(async () => {
    await consumer?.stop()
    await older?.stop()
  })

  it('serves a neighbor that speaks only /atp/task/1.0.0 one stream per task, tasks sent together included', async () => {
    expect(older.getProtocols()).not.toContain(TASK_MUX_PROTOCOL)
    const links = new TaskLinks({ libp2p: consumer, maxMessageBytes: MAX, org: 'consumer', maxTasksPerLink: 64 })
    const send = async (text: string): Promise<{ id: string, replies: TaskReply[] }> => {
      const request = taskRequest({ capability: 'echo', originOrg: 'older', agentId: 'a', text })
      const replies: TaskReply[] = []
      await new Promise<void>((resolve) => {
        links.open(older.peerId.toString(), request, (r) => { replies.push(r); if (r.type === 'end' || r.type === 'error') resolve() })
      })
      return { id: request.taskId, replies }
    }
    // Three at once: they wait on the first link's negotiation, then go one per stream.
    const first = await Promise.all([send('a'), send('b'), send('c')])
    // And later ones go one per stream straight away.
    const later = await send('d')
    for (const r of [...first, later]) {
      expect(r.replies, JSON.stringify(r.replies)).toHaveLength(1)
      expect(r.replies[0]?.type, JSON.stringify(r.replies[0])).toBe('end')
      expect(seen.taskIds).toContain(r.id)
    }
    expect(seen.taskIds).toHaveLength(4)
    // One stream per task, and the first link's stream that found out (closed unused).
    expect(seen.streams).toBe(5)
    links.stop()
  })
})
